import { InvalidArgumentError, UnsupportedOperationError } from '../errors';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { ChangeOp } from '../space/ChangeSet';
import type { Entry, MutationOp } from '../space/Mutation';
import type { ChangeOptions, ChangeResult, WriteOptions } from '../space/Operation';
import { queryCompiler } from '../space/QuerySelection';
import { ALL, type Selector } from '../space/Selector';
import type { SpaceListener } from '../space/SubscriptionHub';
import { decodeEntry, encodeEntry } from '../net/entryCodec';
import { ANY_PARTITION, type ResponseFrame, type WireOp } from '../net/protocol';
import { typesOf, type SpaceDescription } from '../net/SpaceDescription';
import { fromWireJson, toWireJson } from '../net/wireJson';
import { ConnectionPool } from './ConnectionPool';
import { PartitionFanOut } from './PartitionFanOut';
import type { PartitionMap } from './PartitionMap';
import { mapOf, PartitionMapSource } from './PartitionMapSource';
import {
  describeAt,
  describeSpace,
  SeveralEndpointsSignal,
  sendCall,
  type Call,
  type CallTarget,
  type Safety,
} from './RemoteCall';
import {
  resolveConnectOptions,
  type ConnectOptions,
  type RemoteCallOptions,
  type ResolvedConnectOptions,
} from './RemoteSpaceConfig';
import { RemoteSubscriptions } from './RemoteSubscriptions';
import type { TransactionOptions } from '../space/transaction/Transaction';
import type {
  MultipleOptions,
  ReadOptions,
  RoutingOptions,
  Space,
  SpaceTransaction,
  SpaceWriteResult,
} from './Space';
import { SpaceRouting } from './SpaceRouting';

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
export class RemoteSpace implements Space {
  readonly name: string;
  readonly partitions: number;
  private readonly routing: SpaceRouting;
  private readonly fanOut: PartitionFanOut;
  private readonly target: CallTarget;
  private closing: Promise<void> | undefined;

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
    this.fanOut = new PartitionFanOut({
      types,
      routing: this.routing,
      queries: queryCompiler(),
      requestTimeout: config.requestTimeout,
      send: (call) => this.call(call),
      decode: (response, type) => this.entries(response, type),
    });
  }

  /** Connects: asks the bootstrap servers for the space description and partition map. */
  static async connect(options: ConnectOptions): Promise<RemoteSpace> {
    const config = resolveConnectOptions(options);
    let space: RemoteSpace | undefined;
    const pool = new ConnectionPool({
      connectTimeoutMs: config.connectTimeout,
      maxFrameBytes: config.maxFrameBytes,
      onEvent: (endpoint, event) => space?.subscriptions.deliver(endpoint, event, space.types),
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
      });
      maps.onChange(() => subscriptions.remap());
      space = new RemoteSpace(config, pool, types, description, maps, subscriptions);
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

  async write(
    type: string,
    entry: Readonly<Record<string, unknown>>,
    options: WriteOptions & RemoteCallOptions = {},
  ): Promise<SpaceWriteResult> {
    const entryType = this.types.require(type);
    const routed = this.routing.forWrite(entryType, entry);
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

  read(
    type: string,
    selector: Selector,
    options: ReadOptions & RemoteCallOptions = {},
  ): Promise<Entry | null> {
    return this.blocking('READ', type, selector, options);
  }

  take(
    type: string,
    selector: Selector,
    options: ReadOptions & RemoteCallOptions = {},
  ): Promise<Entry | null> {
    return this.blocking('TAKE', type, selector, options);
  }

  readMultiple(
    type: string,
    selector: Selector = ALL,
    options: MultipleOptions & RemoteCallOptions = {},
  ): Promise<Entry[]> {
    return this.selecting(
      type,
      selector,
      options,
      async (partition) =>
        this.entries(
          await this.request('READ_MULTIPLE', 'idempotent', partition, type, selector, options),
          type,
        ),
      () => this.fanOut.readMultiple(type, selector, options),
    );
  }

  takeMultiple(
    type: string,
    selector: Selector = ALL,
    options: MultipleOptions & RemoteCallOptions = {},
  ): Promise<Entry[]> {
    return this.selecting(
      type,
      selector,
      options,
      async (partition) =>
        this.entries(await this.request('TAKE_MULTIPLE', 'once', partition, type, selector, options), type),
      () => this.fanOut.takeMultiple(type, selector, options),
    );
  }

  count(
    type: string,
    selector: Selector = ALL,
    options: RoutingOptions & RemoteCallOptions = {},
  ): Promise<number> {
    return this.selecting(
      type,
      selector,
      options,
      async (partition) =>
        fromWireJson(
          (await this.request('COUNT', 'idempotent', partition, type, selector, options)).result,
        ) as number,
      () => this.fanOut.count(type, selector, options),
    );
  }

  clear(
    type: string,
    selector: Selector = ALL,
    options: RoutingOptions & RemoteCallOptions = {},
  ): Promise<number> {
    return this.selecting(
      type,
      selector,
      options,
      async (partition) =>
        fromWireJson(
          (await this.request('CLEAR', 'once', partition, type, selector, options)).result,
        ) as number,
      () => this.fanOut.clear(type, selector, options),
    );
  }

  change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options: ChangeOptions & RoutingOptions & RemoteCallOptions = {},
  ): Promise<ChangeResult> {
    return this.selecting(
      type,
      selector,
      options,
      async (partition) => {
        const response = await this.request('CHANGE', 'once', partition, type, selector, options, {
          changes,
        });
        return fromWireJson(response.result) as ChangeResult;
      },
      () => this.fanOut.change(type, selector, changes, options),
    );
  }

  async renew(
    type: string,
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
  transaction<T>(_fn: (tx: SpaceTransaction) => Promise<T>, _options?: TransactionOptions): Promise<T> {
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
  async subscribe(
    type: string,
    selector: Selector,
    listener: SpaceListener,
    options?: { readonly ops?: readonly MutationOp[] },
  ): Promise<() => void> {
    this.types.require(type);
    return this.subscriptions.add(type, selector, listener, options?.ops);
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

  private async blocking(
    op: 'READ' | 'TAKE',
    type: string,
    selector: Selector,
    options: ReadOptions & RemoteCallOptions,
  ): Promise<Entry | null> {
    const wait = options.timeout ?? 0;
    if (typeof wait !== 'number' || Number.isNaN(wait) || wait < 0) {
      throw new InvalidArgumentError(`timeout must be a non-negative number, got ${String(wait)}`, { type });
    }
    return this.selecting(
      type,
      selector,
      options,
      async (partition) => {
        const response = await this.call({
          op,
          type,
          partition,
          args: { selector, options: routingOf(options) },
          safety: op === 'READ' ? 'idempotent' : 'once',
          options,
          wait,
        });
        return this.entries(response, type)[0] ?? null;
      },
      () => this.fanOut.blocking(op, type, selector, options, wait),
    );
  }

  /**
   * Runs an operation given a selector: at its partition when it names one; else at the one server
   * of every partition (ANY_PARTITION), or fanned out to every partition's primary when there are
   * several (also when the map becomes so while the call retries).
   */
  private async selecting<T>(
    type: string,
    selector: Selector,
    options: RoutingOptions,
    at: (partition: number) => Promise<T>,
    fanOut: () => Promise<T>,
  ): Promise<T> {
    const target = this.routing.forSelector(this.types.require(type), selector, options.routing);
    if (target !== undefined) return at(target);
    if (this.maps.map.single === undefined) return fanOut();
    try {
      return await at(ANY_PARTITION);
    } catch (error) {
      if (error instanceof SeveralEndpointsSignal) return fanOut();
      throw error;
    }
  }

  /** One request with a selector and the operation's own options. */
  private request(
    op: WireOp,
    safety: Safety,
    partition: number,
    type: string,
    selector: Selector,
    options: RoutingOptions & RemoteCallOptions,
    extra: Record<string, unknown> = {},
  ): Promise<ResponseFrame> {
    const { signal: _s, requestTimeout: _t, ...sent } = options;
    return this.call({ op, type, partition, args: { selector, options: sent, ...extra }, safety, options });
  }

  private entries(response: ResponseFrame, typeName: string): Entry[] {
    const type = this.types.require(typeName);
    return response.entries.map((bytes) => decodeEntry(type, bytes));
  }

  /** Sends one call to its partition's endpoint, retrying what may be retried within the deadline. @internal */
  call(call: Call): Promise<ResponseFrame> {
    return sendCall(call, this.target);
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

function routingOf(options: RoutingOptions): RoutingOptions {
  return options.routing === undefined ? {} : { routing: options.routing };
}
