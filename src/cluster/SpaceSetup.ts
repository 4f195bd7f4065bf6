import { hostname } from 'node:os';
import type { Kafka } from 'kafkajs';
import { InvalidArgumentError } from '../errors';
import { retryWhileMetadataLags } from '../log/connection/kafkaErrors';
import { MutationCodec } from '../log/codec/MutationCodec';
import { SchemaTopic } from '../log/read/SchemaTopic';
import type { KafkaConnection } from '../log/connection/KafkaConnection';
import { KAFKA_CLIENT_IDS, openKafka } from '../log/connection/openKafka';
import { TopicAdmin } from '../log/admin/TopicAdmin';
import { resolveLogger } from '../ops/logging/createLogger';
import { reportListenerError, type ListenerErrorHandler } from '../ops/logging/listenerErrors';
import type { SpacelogLogger } from '../ops/logging/SpacelogLogger';
import { SpaceStats } from '../ops/metrics/SpaceStats';
import type { PrimaryPartitionOptions } from '../partition/PrimaryPartition';
import type { ReplicaLogOptions } from '../partition/ReplicaLog';
import { SchemaLoader } from '../schema/SchemaLoader';
import type { TypeRegistry } from '../schema/TypeRegistry';
import {
  DEFAULT_LEASE_SWEEP_MS,
  DEFAULT_READY_WAIT_MS,
  GRID_KAFKA_KEYS,
  type GridOptions,
} from './GridConfig';
import { DEFAULT_PREFIX } from '../log/admin/topicNames';

/** A space's log side, ready for replicas: topics checked, schemas registered. @internal */
export interface PreparedSpace {
  readonly types: TypeRegistry;
  readonly kafka: Kafka;
  readonly brokers: readonly string[];
  /** How this space reaches Kafka (TLS, SASL included): for other clients and a warm-up's fetching worker. */
  readonly connection: KafkaConnection;
  readonly prefix: string;
  readonly topics: TopicAdmin;
  readonly schemaTopic: SchemaTopic;
  readonly codec: MutationCodec;
  readonly origin: string;
  /** What this grid or unit counts for the space (operations, appends, roles, warm-up): its metrics. */
  readonly stats: SpaceStats;
  /** The space's logger (the `logger` option or the default, bound to the space). */
  readonly logger: SpacelogLogger;
}

/**
 * Loads the entry types, creates or checks the space's topics and registers the writer schemas
 * (refusing an incompatible change): what a grid or a processing unit does before hosting replicas.
 * @internal
 */
export async function prepareSpace(options: GridOptions): Promise<PreparedSpace> {
  // On a multi-broker cluster, topics just created by this or another process are unknown to some
  // brokers for a moment (UNKNOWN_TOPIC_OR_PARTITION): that settles, so it is tried again.
  return retryWhileMetadataLags(() => prepareSpaceOnce(options));
}

async function prepareSpaceOnce(options: GridOptions): Promise<PreparedSpace> {
  const types =
    typeof options.schemas === 'string' ? SchemaLoader.loadFolder(options.schemas) : options.schemas;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const logger = resolveLogger(options.logger).child({ space: options.space });
  const { kafka, connection } = openKafka(options.kafka, {
    clientId: KAFKA_CLIENT_IDS.space(options.space),
    extraKeys: GRID_KAFKA_KEYS,
    logger,
  });
  const brokers = connection.brokers;
  const topics = new TopicAdmin({
    kafka,
    prefix,
    ...(options.kafka?.replicationFactor !== undefined
      ? { replicationFactor: options.kafka.replicationFactor }
      : {}),
    ...(options.kafka?.minInsyncReplicas !== undefined
      ? { minInsyncReplicas: options.kafka.minInsyncReplicas }
      : {}),
    ...(options.kafka?.topics !== undefined ? { settings: options.kafka.topics } : {}),
  });
  const maxRecordBytes = options.limits?.maxRecordBytes;
  if (maxRecordBytes !== undefined && maxRecordBytes > topics.settings.maxMessageBytes) {
    await topics.close();
    throw new InvalidArgumentError(
      `limits.maxRecordBytes (${maxRecordBytes}) exceeds the topics' max.message.bytes ` +
        `(${topics.settings.maxMessageBytes}): the broker would refuse such records; raise kafka.topics.maxMessageBytes`,
      { space: options.space },
    );
  }
  try {
    await topics.ensureSpace(options.space, options.partitions);
    const schemaTopic = new SchemaTopic({ kafka, topics });
    const writerSchemas = await schemaTopic.register([...types]);
    const codec = new MutationCodec({ types: [...types], writerSchemas });
    const origin = options.origin ?? `${hostname()}:${process.pid}`;
    const stats = new SpaceStats(options.partitions);
    return { types, kafka, brokers, connection, prefix, topics, schemaTopic, codec, origin, stats, logger };
  } catch (error) {
    await topics.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Where partition k's log is and how to read it (a backup's options; a primary's start with them),
 * logging to `logger` (default the space's; a unit passes its own) bound to the partition. @internal
 */
export function replicaLogOf(
  prepared: PreparedSpace,
  options: Pick<GridOptions, 'space' | 'warmUpInWorker'>,
  partition: number,
  logger: SpacelogLogger | undefined = prepared.logger,
): ReplicaLogOptions {
  return {
    ...(logger === undefined ? {} : { logger: logger.child({ partition }) }),
    kafka: prepared.kafka,
    prefix: prepared.prefix,
    space: options.space,
    partition,
    types: prepared.types,
    codec: prepared.codec,
    schemaTopic: prepared.schemaTopic,
    origin: prepared.origin,
    ...(options.warmUpInWorker === false ? {} : { fetchInWorker: prepared.connection }),
    // true: every catch-up in a worker, however short; 'auto' (default): long ones only.
    ...(options.warmUpInWorker === true ? { workerMinOffsets: 0 } : {}),
  };
}

/** One listener-error reporter per space and logger, so its rate bound covers the space, not each partition. */
const reporters = new WeakMap<PreparedSpace, Map<SpacelogLogger, ListenerErrorHandler>>();

function listenerErrorsOf(
  prepared: PreparedSpace,
  logger: SpacelogLogger,
  handler: ListenerErrorHandler | undefined,
): ListenerErrorHandler {
  let byLogger = reporters.get(prepared);
  if (byLogger === undefined) reporters.set(prepared, (byLogger = new Map()));
  let report = byLogger.get(logger);
  if (report === undefined) byLogger.set(logger, (report = reportListenerError(logger, handler)));
  return report;
}

/** The options of partition k's primary, from the grid options. @internal */
export function primaryOptionsOf(
  prepared: PreparedSpace,
  options: GridOptions,
  partition: number,
  logger: SpacelogLogger | undefined = prepared.logger,
): PrimaryPartitionOptions {
  const replica = prepared.stats.partition(partition);
  const report = listenerErrorsOf(prepared, resolveLogger(logger), options.onListenerError);
  return {
    ...replicaLogOf(prepared, options, partition, logger),
    onListenerError: (error) => report(error, { source: 'subscription', space: options.space, partition }),
    replication: options.replication ?? 'sync',
    leaseSweepMs: options.leaseSweepMs ?? DEFAULT_LEASE_SWEEP_MS,
    readyWaitMs: options.readyWaitMs ?? DEFAULT_READY_WAIT_MS,
    ...(options.asyncWindow !== undefined ? { asyncWindow: options.asyncWindow } : {}),
    // The engine's record limit follows the topic's max.message.bytes (checked at start by TopicAdmin).
    limits: {
      ...options.limits,
      maxRecordBytes: options.limits?.maxRecordBytes ?? prepared.topics.settings.maxMessageBytes,
    },
    ...(options.lingerMs !== undefined ? { appender: { lingerMs: options.lingerMs } } : {}),
    ...(options.metrics === false
      ? {}
      : { stats: { operations: prepared.stats.operations, append: replica.append } }),
    onProgress: (k, progress) => {
      replica.warmup = progress.percent / 100;
      options.onProgress?.(k, progress);
    },
    ...(options.onRoleChange ? { onRoleChange: options.onRoleChange } : {}),
  };
}
