/**
 * Spacelog: a space-based data grid whose system of record is a Kafka log.
 *
 * `Spacelog.start(options)` runs a grid in this process and gives the Space API
 * (write / read / take / readMultiple / takeMultiple / count / clear / change / renew / subscribe).
 * Everything not exported here is internal.
 */
import { LocalGrid } from './cluster/LocalGrid';
import type { GridOptions } from './cluster/GridConfig';
import { RemoteSpace } from './client/RemoteSpace';
import type { ConnectOptions } from './client/RemoteSpaceConfig';
import type { UntypedEntries } from './api/typedEntries';
import { ProcessingUnit } from './cluster/ProcessingUnit';
import type { UnitOptions } from './cluster/UnitConfig';

export const Spacelog = {
  /** Starts a grid hosting every partition of a space in this process; resolves once all partitions serve. */
  start: (options: GridOptions): Promise<LocalGrid> => LocalGrid.start(options),
  /**
   * Connects to a space served over the network (`SpaceServer`); resolves once its description is known.
   * `Spacelog.connect<SpacelogTypes, SpacelogInputs>(…)` types it by the maps `spacelog types` generates.
   */
  connect: <TM extends object = UntypedEntries, TI extends object = TM>(
    options: ConnectOptions,
  ): Promise<RemoteSpace<TM, TI>> => RemoteSpace.connect<TM, TI>(options),
  /**
   * Starts a processing unit of a space's cluster in this process (what `spacelog pu start` runs):
   * it joins the space's Kafka consumer group and hosts the primaries and backups it is given.
   */
  startUnit: (options: UnitOptions, baseDir?: string): Promise<ProcessingUnit> =>
    ProcessingUnit.start(options, baseDir),
} as const;

export { ProcessingUnit } from './cluster/ProcessingUnit';
export { type UnitStatus } from './ops/status/UnitStatus';
export type { UnitOptions, UnitContext, UnitServices, ReplicaChange } from './cluster/UnitConfig';
export type { ReplicaStatus } from './ops/status/UnitStatus';
export type {
  Placement,
  PartitionPlacement,
  UnitReport,
  ReplicaReport,
  ReplicaRole,
} from './ops/status/Placement';
export type { MembershipTiming } from './cluster/UnitMembership';

export { LocalGrid, type PartitionStatus } from './cluster/LocalGrid';
export { EventLoopLagMonitor, type EventLoopLag, type EventLoopLagOptions } from './ops/metrics/EventLoopLag';
export type { GridOptions } from './cluster/GridConfig';
export type { GridMirrorOptions } from './mirror/MirrorConfig';
export {
  MirrorProjector,
  waitForMirror,
  createMirrorTables,
  type MirrorOptions,
  type MirrorPoisonPolicy,
  type MirrorProgress,
  type MirrorReconcile,
  type ReconcileReason,
  type MirrorPosition,
  type PartitionLag,
  type StoredDeadLetter,
} from './mirror';
export type {
  Space,
  ReadOptions,
  MultipleOptions,
  RoutingOptions,
  SpaceWriteResult,
  SubscribeOptions,
} from './api/Space';
export type { SpaceTransaction, TransactionReadOptions } from './api/Space';
export type { EntryFor, EntryTypeName, InputFor, NotInSchema, UntypedEntries } from './api/typedEntries';
export { typedSpace } from './api/typedSpace';
export { DEFAULT_WATCH_MAX_BUFFERED, type SpaceWatch, type WatchOptions } from './api/watchIterable';
export {
  type TransactionOptions,
  DEFAULT_TRANSACTION_TIMEOUT_MS,
  MAX_TRANSACTION_TIMEOUT_MS,
} from './space/transaction/Transaction';
export type { Mutation, MutationOp } from './space/Mutation';
export type { Entry } from './schema/Entry';
export type { Selector, IdSelector, TemplateSelector, QuerySelector, QueryParams } from './space/Selector';
export type { WriteOptions, WriteMode, WriteResult, ChangeOptions, ChangeResult } from './space/Operation';
export type { ChangeOp } from './space/ChangeSet';
export type { SpaceEvent, SpaceListener } from './space/SubscriptionHub';
export { SpaceEngine } from './space/SpaceEngine';
export type { SpaceEngineOptions, MutationSink, BlockingOptions } from './space/SpaceEngineOptions';
export type { EngineLimits, PartitionLimits, RecordSizer } from './space/ExecuteContext';
export { apply } from './space/apply';
export { restoreApply, type LogPosition } from './space/restoreApply';
export { PartitionState } from './space/PartitionState';
export { execute } from './space/execute';
export { EntryType } from './schema/EntryType';
export { LONG_MIN, LONG_MAX } from './schema/avro/compileSchema';
export { TypeRegistry } from './schema/TypeRegistry';
export { SchemaLoader } from './schema/SchemaLoader';
export { partitionOf, murmur2 } from './api/partitionOf';
export { MutationCodec, MutationDecoder, createMutationDecoder, partitionTopic, HEADER } from './log';
export type { TopicSettings, TopicDrift } from './log';
export type { ReplicationMode } from './partition/ReplicationSink';
export type { PrimaryRole } from './partition/PrimaryPartition';
export { RemoteSpace } from './client/RemoteSpace';
export { PartitionMap } from './client/PartitionMap';
export type { ConnectOptions, RemoteCallOptions } from './client/RemoteSpaceConfig';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './client/RetryPolicy';
export {
  SpaceServer,
  DEFAULT_SPACE_PORT,
  type SpaceServerOptions,
  type ServedSpace,
} from './net/SpaceServer';
export type { SpaceDescription } from './net/SpaceDescription';
export type {
  ServerSecurityOptions,
  ServerTlsOptions,
  Principal,
  Authenticate,
} from './net/security/ServerSecurity';
export type { ClientTlsOptions, ClientCredentials } from './net/security/ClientSecurity';
export type { PermissionsConfig, Grant } from './net/security/Permissions';
export type { PemSource } from './net/security/pem';
export type { UnitSecurityOptions, UnitClientSecurity } from './cluster/UnitSecurity';
export {
  hashPassword,
  verifyPassword,
  type CredentialsFileContent,
  type StoredPassword,
} from './net/security/Credentials';
export * from './errors';

// The processing grid: collocated logic next to its data (docs/processing-grid.md).
export type { ContainerHost, PartitionEvent, PartitionEventListener } from './events/ContainerHost';
export {
  PollingContainer,
  startPollingContainer,
  type PollingContainerStatus,
  type PollingPartitionStatus,
} from './events/PollingContainer';
export {
  type PollingContainerOptions,
  type PollingOptionsFor,
  type PollingHandler,
  type PollingContext,
  type PollingErrorListener,
  type PollingBackoff,
  DEFAULT_POLLING_CONCURRENCY,
  DEFAULT_POLLING_BATCH_SIZE,
  DEFAULT_RECEIVE_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_POLLING_BACKOFF,
} from './events/PollingOptions';
export { deadLetterSchema, deadLetterTypeName, failedEntryOf, DEAD_LETTER_SUFFIX } from './events/deadLetter';
export { TaskRegistry, type TaskHost } from './events/TaskRegistry';
export {
  DEFAULT_TASK_TIMEOUT_MS,
  type Task,
  type TaskContext,
  type TaskRunner,
  type TaskRunOptions,
} from './api/Task';
export { ServiceRegistry, serviceContext, type ExportOptions } from './events/ServiceRegistry';
export type { ExecuteOptions, ExecuteAllOptions, RemoteOptions, RemoteProxy } from './api/Space';
export { CollocatedSpace } from './cluster/CollocatedSpace';
export { NotifyContainer, startNotifyContainer } from './events/NotifyContainer';
export {
  NOTIFY_DEFAULTS,
  type NotifyBatchContext,
  type NotifyContainerOptions,
  type NotifyOptionsFor,
  type NotifyErrorDecision,
  type NotifyEvent,
  type NotifyHandler,
  type NotifyRetryOptions,
  type NotifyStartAt,
} from './events/NotifyOptions';
export type { NotifyPartitionState, NotifyPartitionStatus } from './events/NotifyPartition';
export { notifyGroupId } from './log/admin/topicNames';
export * from './ops/metrics';
export * from './http';
export {
  createLogger,
  LOG_EVENT,
  LOG_LEVELS,
  type CreateLoggerOptions,
  type ListenerErrorContext,
  type ListenerErrorHandler,
  type LogDestination,
  type LogEvent,
  type LogFields,
  type LogFormat,
  type LogLevel,
  type LogMethod,
  type SpacelogLogger,
} from './ops/logging';
