import { InvalidArgumentError, UnsupportedOperationError } from '../errors';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { ChangeOp } from '../space/ChangeSet';
import type { Entry, MutationOp } from '../space/Mutation';
import type { ChangeOptions, ChangeResult, WriteOptions } from '../space/Operation';
import { ALL, type Selector } from '../space/Selector';
import type { SpaceListener } from '../space/SubscriptionHub';
import { decodeEntry, encodeEntry } from '../net/entryCodec';
import { ANY_PARTITION, type ResponseFrame, type WireOp } from '../net/protocol';
import { typesOf, type SpaceDescription } from '../net/SpaceDescription';
import { fromWireJson } from '../net/wireJson';
import { ConnectionPool } from './ConnectionPool';
import {
  broadcastEndpoint,
  describeSpace,
  sendCall,
  type Call,
  type CallTarget,
  type Safety,
} from './RemoteCall';
import { PartitionMap } from './PartitionMap';
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
 * (the same murmur2 routing as the grid) to the endpoint of its partition, over one pipelined
 * connection per endpoint; operations without a routing value go to the server, which runs them on
 * every partition and merges. Reads are retried on retriable failures within their deadline;
 * writes and takes are retried only when they surely did not reach the server (there are no
 * idempotency keys yet), otherwise their retriable error is surfaced.
 */
export class RemoteSpace implements Space {
  readonly name: string;
  readonly partitions: number;
  private readonly routing: SpaceRouting;
  private readonly subscriptions: RemoteSubscriptions;
  private map: PartitionMap;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly config: ResolvedConnectOptions,
    private readonly pool: ConnectionPool,
    readonly types: TypeRegistry,
    description: SpaceDescription,
    map: PartitionMap,
    subscriptions: RemoteSubscriptions,
  ) {
    this.name = description.name;
    this.partitions = description.partitions;
    this.routing = new SpaceRouting(description.partitions);
    this.map = map;
    this.subscriptions = subscriptions;
  }

  /** Connects: asks the bootstrap servers for the space description and partition map. */
  static async connect(options: ConnectOptions): Promise<RemoteSpace> {
    const config = resolveConnectOptions(options);
    let space: RemoteSpace | undefined;
    const subscriptions = new RemoteSubscriptions(config.retry, (call) => space!.call(call));
    const pool = new ConnectionPool({
      connectTimeoutMs: config.connectTimeout,
      maxFrameBytes: config.maxFrameBytes,
      onEvent: (endpoint, event) => subscriptions.deliver(endpoint, event, space?.types),
      onLost: (endpoint) => subscriptions.lost(endpoint),
    });
    try {
      const { description, endpoint } = await describeSpace(config, pool);
      const types = typesOf(description);
      const map = description.partitionMap
        ? new PartitionMap(description.partitionMap)
        : PartitionMap.uniform(description.partitions, endpoint);
      space = new RemoteSpace(config, pool, types, description, map, subscriptions);
      return space;
    } catch (error) {
      pool.close();
      throw error;
    }
  }

  /** The current partition map. */
  get partitionMap(): PartitionMap {
    return this.map;
  }

  /** Replaces the partition map (fed by the cluster when primaries move). @internal */
  updatePartitionMap(map: PartitionMap): void {
    if (map.partitions !== this.partitions) {
      throw new InvalidArgumentError(
        `a map of ${map.partitions} partitions for a space of ${this.partitions}`,
      );
    }
    this.map = map;
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

  async readMultiple(
    type: string,
    selector: Selector = ALL,
    options: MultipleOptions & RemoteCallOptions = {},
  ): Promise<Entry[]> {
    return this.entries(await this.selecting('READ_MULTIPLE', 'idempotent', type, selector, options), type);
  }

  async takeMultiple(
    type: string,
    selector: Selector = ALL,
    options: MultipleOptions & RemoteCallOptions = {},
  ): Promise<Entry[]> {
    return this.entries(await this.selecting('TAKE_MULTIPLE', 'once', type, selector, options), type);
  }

  async count(
    type: string,
    selector: Selector = ALL,
    options: RoutingOptions & RemoteCallOptions = {},
  ): Promise<number> {
    return fromWireJson(
      (await this.selecting('COUNT', 'idempotent', type, selector, options)).result,
    ) as number;
  }

  async clear(
    type: string,
    selector: Selector = ALL,
    options: RoutingOptions & RemoteCallOptions = {},
  ): Promise<number> {
    return fromWireJson((await this.selecting('CLEAR', 'once', type, selector, options)).result) as number;
  }

  async change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options: ChangeOptions & RoutingOptions & RemoteCallOptions = {},
  ): Promise<ChangeResult> {
    const response = await this.selecting('CHANGE', 'once', type, selector, options, { changes });
    return fromWireJson(response.result) as ChangeResult;
  }

  async renew(
    type: string,
    id: string,
    lease: number,
    options: RoutingOptions & RemoteCallOptions = {},
  ): Promise<SpaceWriteResult> {
    const target = this.routing.forId(this.types.require(type), id, options.routing);
    const response = await this.call({
      op: 'RENEW',
      type,
      partition: target ?? ANY_PARTITION,
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
   * Hears committed mutations of every partition; returns the unsubscribe function. After a lost
   * connection the subscription is renewed in the background; mutations committed meanwhile are
   * not replayed.
   */
  subscribe(
    type: string,
    selector: Selector,
    listener: SpaceListener,
    options?: { readonly ops?: readonly MutationOp[] },
  ): Promise<() => void> {
    this.types.require(type);
    return this.subscriptions.add(broadcastEndpoint(this.target()), type, selector, listener, options?.ops);
  }

  /** Closes every connection; operations afterwards fail with ClientClosedError. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.subscriptions.close();
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
    const target = this.routing.forSelector(this.types.require(type), selector, options.routing);
    const response = await this.call({
      op,
      type,
      partition: target ?? ANY_PARTITION,
      args: { selector, options: routingOf(options) },
      safety: op === 'READ' ? 'idempotent' : 'once',
      options,
      wait,
    });
    const [first] = this.entries(response, type);
    return first ?? null;
  }

  private selecting(
    op: WireOp,
    safety: Safety,
    type: string,
    selector: Selector,
    options: RoutingOptions & RemoteCallOptions,
    extra: Record<string, unknown> = {},
  ): Promise<ResponseFrame> {
    const target = this.routing.forSelector(this.types.require(type), selector, options.routing);
    const { signal: _s, requestTimeout: _t, ...sent } = options;
    return this.call({
      op,
      type,
      partition: target ?? ANY_PARTITION,
      args: { selector, options: sent, ...extra },
      safety,
      options,
    });
  }

  private entries(response: ResponseFrame, typeName: string): Entry[] {
    const type = this.types.require(typeName);
    return response.entries.map((bytes) => decodeEntry(type, bytes));
  }

  /** Sends one call to its partition's endpoint, retrying what may be retried within the deadline. @internal */
  call(call: Call): Promise<ResponseFrame> {
    return sendCall(call, this.target());
  }

  private target(): CallTarget {
    return { config: this.config, pool: this.pool, map: this.map, space: this.name };
  }
}

function routingOf(options: RoutingOptions): RoutingOptions {
  return options.routing === undefined ? {} : { routing: options.routing };
}
