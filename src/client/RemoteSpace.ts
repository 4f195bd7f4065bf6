import '../disposeSymbols';
import {
  InvalidArgumentError,
  isRetriable,
  RequestTimeoutError,
  TaskFailedError,
  TaskTimeoutError,
  UnsupportedOperationError,
} from '../errors';
import { clientMetrics } from '../ops/metrics/clientMetrics';
import type { MetricsSnapshot } from '../ops/metrics/MetricsSnapshot';
import { OperationStats } from '../ops/metrics/OperationStats';
import { WIRE_OPS } from '../net/protocolSchemas';
import { timeoutOf } from '../api/Task';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { ChangeOp } from '../space/ChangeSet';
import type { Entry } from '../schema/Entry';
import type { ChangeOptions, ChangeResult, WriteOptions } from '../space/Operation';
import { ALL, type Selector } from '../space/Selector';
import type { SpaceEvent, SpaceListener } from '../space/SubscriptionHub';
import { encodeEntry } from '../net/entryCodec';
import { ANY_PARTITION, type ResponseFrame } from '../net/protocol';
import { typesOf, type SpaceDescription } from '../net/SpaceDescription';
import { fromWireJson, toWireJson } from '../net/wireJson';
import { reportListenerError } from '../ops/logging/listenerErrors';
import { ConnectionPool } from './ConnectionPool';
import type { PartitionMap } from './PartitionMap';
import { mapOf, PartitionMapSource } from './PartitionMapSource';
import {
  describeAt,
  describeSpace,
  sendCall,
  surelyNotApplied,
  type Call,
  type CallTarget,
} from './RemoteCall';
import {
  resolveConnectOptions,
  type ConnectOptions,
  type RemoteCallOptions,
  type ResolvedConnectOptions,
} from './RemoteSpaceConfig';
import { RemoteSubscriptions } from './RemoteSubscriptions';
import { routingOf, SelectorOperations } from './SelectorOperations';
import type { TransactionOptions } from '../space/transaction/Transaction';
import type {
  ExecuteAllOptions,
  ExecuteOptions,
  MultipleOptions,
  ReadOptions,
  RemoteOptions,
  RemoteProxy,
  RoutingOptions,
  Space,
  SpaceTransaction,
  SpaceWriteResult,
  SubscribeOptions,
} from '../api/Space';
import { SpaceRouting } from '../api/SpaceRouting';
import type { EntryFor, EntryTypeName, InputFor, UntypedEntries } from '../api/typedEntries';
import { watchSubscription, type SpaceWatch, type WatchOptions } from '../api/watchIterable';
import { serviceProxy } from '../api/ServiceProxy';
import { executeAt, executeAtAll } from '../api/taskCalls';

/**
 * The Space API through the network (`Spacelog.connect`). Each operation is routed on the client
 * (the same murmur2 routing as the grid) to the primary of its partition, over one pipelined
 * connection per endpoint. An operation without a routing value goes, when one server serves every
 * partition, to that server, which runs it on all of them and merges; when the partitions have
 * several primaries (a cluster), to each partition's primary, and the client merges the answers the
 * same way (ORDER BY and LIMIT honoured). When a server says it is not a partition's primary any
 * more, or cannot be reached, the client asks for the partition map again and retries within the
 * operation's deadline. Reads are retried on any retriable failure; writes and takes only when they
 * surely did not run (never sent, or refused up front by a server that is not the partition's
 * primary); otherwise their retriable error is surfaced (there are no idempotency keys yet).
 */
export class RemoteSpace<TM extends object = UntypedEntries, TI extends object = TM>
  implements Space<TM, TI>, AsyncDisposable
{
  readonly name: string;
  readonly partitions: number;
  private readonly routing: SpaceRouting;
  private readonly selected: SelectorOperations;
  private readonly target: CallTarget;
  private closing: Promise<void> | undefined;
  /** Calls per type and wire operation, errors and latency (retries inside a call count once). */
  private readonly calls = new OperationStats(WIRE_OPS);
  private readonly counting: boolean;

  private constructor(
    config: ResolvedConnectOptions,
    private readonly pool: ConnectionPool,
    readonly types: TypeRegistry,
    description: SpaceDescription,
    private readonly maps: PartitionMapSource,
    private readonly subscriptions: RemoteSubscriptions,
  ) {
    this.name = description.name;
    this.partitions = description.partitions;
    this.routing = new SpaceRouting(description.partitions);
    this.target = { config, pool, maps, space: this.name };
    this.counting = config.metrics;
    this.selected = new SelectorOperations({
      types,
      routing: this.routing,
      requestTimeout: config.requestTimeout,
      map: () => maps.map,
      send: (call) => this.call(call),
    });
  }

  /** Connects: asks the bootstrap servers for the space description and partition map. */
  static async connect<TM extends object = UntypedEntries, TI extends object = TM>(
    options: ConnectOptions,
  ): Promise<RemoteSpace<TM, TI>> {
    const config = resolveConnectOptions(options);
    let space: RemoteSpace<TM, TI> | undefined;
    const pool = new ConnectionPool({
      connectTimeoutMs: config.connectTimeout,
      maxFrameBytes: config.maxFrameBytes,
      ...(config.security !== undefined ? { security: config.security } : {}),
      onEvent: (endpoint, event) => space?.subscriptions.deliver(endpoint, event, space.types),
      onEnd: (endpoint, end) => space?.subscriptions.ended(endpoint, end),
      onLost: (endpoint) => space?.lost(endpoint),
    });
    try {
      const { description, endpoint } = await describeSpace(config, pool);
      const types = typesOf(description);
      const maps = new PartitionMapSource(
        {
          space: config.space,
          partitions: description.partitions,
          bootstrap: config.bootstrap,
          describe: (at, timeoutMs) => describeAt(config, pool, at, timeoutMs),
          isOpen: (at) => pool.peek(at) !== undefined,
          refreshBudgetMs: Math.min(config.requestTimeout, config.connectTimeout),
          maxAgeMs: config.partitionMapMaxAge,
          keepFresh: () => (space?.subscriptions.size ?? 0) > 0,
        },
        mapOf(description, endpoint),
      );
      const subscriptions = new RemoteSubscriptions({
        policy: config.retry,
        send: (call) => space!.call(call),
        map: () => maps.map,
        unsubscribeAt: (at, remoteId, type) => space?.unsubscribeAt(at, remoteId, type),
        onListenerError: reportListenerError(config.logger, config.onListenerError),
      });
      maps.onChange(() => subscriptions.remap());
      space = new RemoteSpace<TM, TI>(config, pool, types, description, maps, subscriptions);
      return space;
    } catch (error) {
      pool.close();
      throw error;
    }
  }

  /** The current partition map (refreshed when a server says a partition moved). */
  get partitionMap(): PartitionMap {
    return this.maps.map;
  }

  /** Replaces the partition map (fed by the cluster when primaries move). @internal */
  updatePartitionMap(map: PartitionMap): void {
    if (map.partitions !== this.partitions) {
      throw new InvalidArgumentError(
        `a map of ${map.partitions} partitions for a space of ${this.partitions}`,
      );
    }
    this.maps.set(map);
  }

  async write<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    entry: InputFor<T, TI, N>,
    options: WriteOptions & RemoteCallOptions = {},
  ): Promise<SpaceWriteResult> {
    const entryType = this.types.require(type);
    const routed = this.routing.forWrite(entryType, entry as Entry);
    // Validation before the wire: the same typed errors as in process, and the bytes to send.
    const bytes = encodeEntry(entryType, entryType.validate(routed.entry));
    const { signal: _s, requestTimeout: _t, ...writeOptions } = options;
    const response = await this.call({
      op: 'WRITE',
      type,
      partition: routed.partition,
      args: { options: writeOptions },
      entry: bytes,
      safety: 'once',
      options,
    });
    return fromWireJson(response.result) as SpaceWriteResult;
  }

  read<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    options: ReadOptions & RemoteCallOptions = {},
  ): Promise<EntryFor<T, TM, N> | null> {
    return this.selected.read(type, selector, options) as Promise<EntryFor<T, TM, N> | null>;
  }

  /**
   * Takes a matching entry, waiting up to `timeout` ms. Aborted (`signal`) or past its client-side
   * deadline, it sends a cancel and waits up to `cancelGrace` for the server's answer: when the server
   * had already taken an entry for it (a write handed it over, or it matched, before the cancel), it
   * RETURNS that entry instead of rejecting, because a rejection would drop an entry the log has
   * already removed. Otherwise it rejects with OperationAbortedError / RequestTimeoutError.
   */
  take<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    options: ReadOptions & RemoteCallOptions = {},
  ): Promise<EntryFor<T, TM, N> | null> {
    return this.selected.take(type, selector, options) as Promise<EntryFor<T, TM, N> | null>;
  }

  readMultiple<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector = ALL,
    options: MultipleOptions & RemoteCallOptions = {},
  ): Promise<EntryFor<T, TM, N>[]> {
    return this.selected.readMultiple(type, selector, options) as Promise<EntryFor<T, TM, N>[]>;
  }

  /**
   * Takes matching entries. As `take`, an aborted or timed-out call returns what the server had
   * already taken; over several partitions it returns what any took and throws only when none did.
   */
  takeMultiple<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector = ALL,
    options: MultipleOptions & RemoteCallOptions = {},
  ): Promise<EntryFor<T, TM, N>[]> {
    return this.selected.takeMultiple(type, selector, options) as Promise<EntryFor<T, TM, N>[]>;
  }

  count(
    type: EntryTypeName<TM>,
    selector: Selector = ALL,
    options: RoutingOptions & RemoteCallOptions = {},
  ): Promise<number> {
    return this.selected.count(type, selector, options);
  }

  clear(
    type: EntryTypeName<TM>,
    selector: Selector = ALL,
    options: RoutingOptions & RemoteCallOptions = {},
  ): Promise<number> {
    return this.selected.clear(type, selector, options);
  }

  change(
    type: EntryTypeName<TM>,
    selector: Selector,
    changes: readonly ChangeOp[],
    options: ChangeOptions & RoutingOptions & RemoteCallOptions = {},
  ): Promise<ChangeResult> {
    return this.selected.change(type, selector, changes, options);
  }

  async renew(
    type: EntryTypeName<TM>,
    id: string,
    lease: number,
    options: RoutingOptions & RemoteCallOptions = {},
  ): Promise<SpaceWriteResult> {
    const entryType = this.types.require(type);
    const target = this.routing.forId(entryType, id, options.routing);
    if (target === undefined) {
      // As in process: a lease belongs to one entry, so renew is never broadcast.
      throw new InvalidArgumentError(
        `renew of ${type}/${id} needs { routing } (the type is routed by '${entryType.routingField}')`,
        { type, entryId: id },
      );
    }
    const response = await this.call({
      op: 'RENEW',
      type,
      partition: target,
      args: { id, lease, options: routingOf(options) },
      safety: 'once',
      options,
    });
    return fromWireJson(response.result) as SpaceWriteResult;
  }

  /** Not available through the network yet: the wire protocol has no transaction frames. */
  transaction<T>(
    _fn: (tx: SpaceTransaction<TM, TI>) => Promise<T>,
    _options?: TransactionOptions,
  ): Promise<T> {
    return Promise.reject(
      new UnsupportedOperationError('transactions are not available through a remote client yet', {
        space: this.name,
      }),
    );
  }

  /**
   * Hears committed mutations of every partition; returns the unsubscribe function. It is registered
   * at the server of every partition, or at each partition's primary in a cluster. After a lost
   * connection or when a partition's primary moves, it is registered again in the background at the
   * right server; mutations committed meanwhile are not replayed.
   */
  async subscribe<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    listener: SpaceListener<EntryFor<T, TM, N>>,
    options?: SubscribeOptions,
  ): Promise<() => void> {
    this.types.require(type);
    return this.subscriptions.add(type, selector, listener as SpaceListener, options?.ops, options?.onEnd);
  }

  /** Committed mutations as an async iterator (see `Space.watch`), over `subscribe`. */
  watch<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    options: WatchOptions = {},
  ): SpaceWatch<SpaceEvent<EntryFor<T, TM, N>>> {
    return watchSubscription<SpaceEvent<EntryFor<T, TM, N>>>(
      (selector, listener, subscribeOptions) =>
        this.subscribe<T, N>(type, selector, listener, subscribeOptions),
      options,
    );
  }

  /**
   * Runs task `name` at the primary of the partition `routing` (or `partition`) names, through the
   * EXECUTE op; arguments and result travel as wire JSON. Retried on the new primary when the call
   * surely did not run (NotPrimaryError before the task started, never sent); a call that may have
   * run (lost after sending, the partition moving mid-task: TaskFailedError with a retriable cause)
   * is retried only with `idempotent: true`. Past its timeout: TaskTimeoutError.
   */
  execute<R = unknown>(
    name: string,
    args?: unknown,
    options: ExecuteOptions & RemoteCallOptions = {},
  ): Promise<R> {
    return executeAt(this.partitions, name, options, (k) => this.runTask(name, args, k, options));
  }

  /** Runs task `name` at every partition's primary and reduces here (see `Space.executeAll`). */
  executeAll<R = unknown, A = R[]>(
    name: string,
    args?: unknown,
    options: ExecuteAllOptions<R, A> & RemoteCallOptions = {},
  ): Promise<A> {
    return executeAtAll(this.partitions, options, (k, run) => this.runTask(name, args, k, run));
  }

  /** A typed proxy of a service a unit exported (see `Space.remote`). */
  remote<T extends object>(name: string, options?: RemoteOptions): RemoteProxy<T> {
    return serviceProxy<T>(this, name, options);
  }

  private async runTask(
    name: string,
    args: unknown,
    partition: number,
    options: ExecuteOptions & RemoteCallOptions,
  ): Promise<unknown> {
    const timeout = timeoutOf(options.timeout);
    // The server ends the task at its timeout; its answer (TaskTimeoutError) must arrive before the
    // client gives up, so the call's own limit is the timeout plus the margin of blocking calls.
    const requestTimeout =
      options.requestTimeout ??
      timeout + Math.max(this.target.config.blockingMargin, this.target.config.requestTimeout);
    const retriable = options.idempotent
      ? (error: unknown) => isRetriable(error) || (error instanceof TaskFailedError && error.causeRetriable)
      : (error: unknown) => surelyNotApplied(error, partition);
    try {
      const response = await this.call({
        op: 'EXECUTE',
        type: '',
        partition,
        args: { task: name, input: args, options: { timeout } },
        safety: options.idempotent ? 'idempotent' : 'once',
        retriable,
        options: { requestTimeout, ...(options.signal ? { signal: options.signal } : {}) },
      });
      return fromWireJson(response.result);
    } catch (error) {
      // The server's answer was lost past the task's own limit: say it as the task's timeout.
      if (error instanceof RequestTimeoutError && options.requestTimeout === undefined) {
        throw new TaskTimeoutError(name, timeout, { space: this.name, partition, cause: error });
      }
      throw error;
    }
  }

  /** `await using space = await Spacelog.connect(…)`: closes the client at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Closes every connection; operations afterwards fail with ClientClosedError. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.subscriptions.close();
      this.maps.close();
      this.pool.close();
    })();
    return this.closing;
  }

  /** Sends one call to its partition's endpoint, retrying what may be retried within the deadline. @internal */
  call(call: Call): Promise<ResponseFrame> {
    if (!this.counting) return sendCall(call, this.target);
    const startedAt = performance.now();
    return sendCall(call, this.target).then(
      (response) => {
        this.calls.done(call.op, call.type, startedAt, false);
        return response;
      },
      (error: unknown) => {
        this.calls.done(call.op, call.type, startedAt, true);
        throw error;
      },
    );
  }

  /** This client's metrics: calls per type and operation, errors, latency, open connections (docs/operations.md). */
  metrics(): MetricsSnapshot {
    return clientMetrics(this.name, this.calls, this.pool.openCount);
  }

  /** A connection was lost: its subscriptions are registered again, and the map may be stale. */
  private lost(endpoint: string): void {
    this.maps.refresh().catch(() => undefined);
    this.subscriptions.lost(endpoint);
  }

  /** Ends a subscription's registration on the connection that holds it (none: it ended with it). */
  private unsubscribeAt(endpoint: string, remoteId: number, type: string): void {
    this.pool
      .peek(endpoint)
      ?.request(
        {
          partition: ANY_PARTITION,
          op: 'UNSUBSCRIBE',
          type,
          args: toWireJson({ subscription: remoteId }),
          entry: null,
          deadline: 0,
        },
        { timeoutMs: this.target.config.requestTimeout },
      )
      .catch(() => undefined);
  }
}
