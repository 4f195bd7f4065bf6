import { NotPrimaryError, SpaceClosedError } from '../errors';
import { PartitionedSpace } from '../api/PartitionedSpace';
import { type PartitionAccess } from '../api/PartitionedTransaction';
import { serviceProxy } from '../api/ServiceProxy';
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
import type { EntryFor, InputFor, UntypedEntries } from '../api/typedEntries';
import { watchSubscription, type SpaceWatch, type WatchOptions } from '../api/watchIterable';
import { executeAt, executeAtAll } from '../api/taskCalls';
import type { TaskRunner } from '../api/Task';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { ChangeOp } from '../space/ChangeSet';
import type { Entry } from '../schema/Entry';
import type { ChangeOptions, ChangeResult, WriteOptions } from '../space/Operation';
import { ALL, type Selector } from '../space/Selector';
import type { SpaceEngine } from '../space/SpaceEngine';
import type { SpaceEvent, SpaceListener } from '../space/SubscriptionHub';
import type { TransactionOptions } from '../space/transaction/Transaction';
import { partitionOf } from '../api/partitionOf';

/** Where a collocated space finds its partitions. */
export interface CollocatedSpaceOptions {
  readonly name: string;
  readonly types: TypeRegistry;
  readonly partitions: number;
  /** True while this process leads partition k (its primary serves here). */
  readonly isLocal: (partition: number) => boolean;
  /** The in-process engine of a partition led here (NotPrimaryError when it is not). */
  readonly local: PartitionAccess;
  /**
   * The engine of partition k when this process serves it as primary right now, without waiting
   * (undefined otherwise): the fast path of reads; everything else goes through `local`.
   */
  readonly serving?: (partition: number) => SpaceEngine | undefined;
  /** The routed client of the whole space, connected on first use. */
  readonly remote: () => Promise<ClosableSpace>;
  /** The tasks and services registered in this process, run in-process at partitions led here. */
  readonly tasks?: TaskRunner;
}

/** A routed client this space owns and closes. */
export type ClosableSpace = Space & { close(): Promise<void> };

/**
 * The space as collocated code in a processing unit sees it (`ctx.space`): an operation whose
 * partition this unit leads runs in-process on its engine (no socket, no serialisation); any other
 * (another unit's partition, or every partition) goes through the routed client, with the same API
 * and errors. When the partition moves away between the choice and the call, the in-process attempt
 * fails with NotPrimaryError before anything is applied, and the operation goes through the client.
 * Transactions run in-process on the partition this unit leads (one partition, see
 * CrossPartitionTransactionError); touching a partition led elsewhere fails with NotPrimaryError.
 */
export class CollocatedSpace implements Space {
  readonly name: string;
  readonly partitions: number;
  private readonly routing: SpaceRouting;
  private readonly local: PartitionedSpace;
  private remoteSpace: Promise<ClosableSpace> | undefined;
  private closed = false;

  constructor(private readonly options: CollocatedSpaceOptions) {
    this.name = options.name;
    this.partitions = options.partitions;
    this.routing = new SpaceRouting(options.partitions);
    this.local = new PartitionedSpace(
      options.name,
      options.types,
      options.partitions,
      options.local,
      options.tasks,
    );
  }

  write<T extends object = never, N extends string = string>(
    type: N,
    entry: InputFor<T, UntypedEntries, N>,
    options?: WriteOptions,
  ): Promise<SpaceWriteResult> {
    // Routed once: a generated id is drawn here, so both paths write the same entry to the same partition.
    let routed: ReturnType<SpaceRouting['forWrite']>;
    try {
      routed = this.routing.forWrite(this.options.types.require(type), entry as Entry);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run(routed.partition, (space) => space.write<Entry>(type, routed.entry, options));
  }

  read<T extends object = never, N extends string = string>(
    type: N,
    selector: Selector,
    options: ReadOptions = {},
  ): Promise<EntryFor<T, UntypedEntries, N> | null> {
    return this.blocking('read', type, selector, options) as Promise<EntryFor<T, UntypedEntries, N> | null>;
  }

  take<T extends object = never, N extends string = string>(
    type: N,
    selector: Selector,
    options: ReadOptions = {},
  ): Promise<EntryFor<T, UntypedEntries, N> | null> {
    return this.blocking('take', type, selector, options) as Promise<EntryFor<T, UntypedEntries, N> | null>;
  }

  readMultiple<T extends object = never, N extends string = string>(
    type: N,
    selector: Selector = ALL,
    options: MultipleOptions = {},
  ): Promise<EntryFor<T, UntypedEntries, N>[]> {
    return this.run(this.target(type, selector, options), (space) =>
      space.readMultiple<Entry>(type, selector, options),
    ) as Promise<EntryFor<T, UntypedEntries, N>[]>;
  }

  takeMultiple<T extends object = never, N extends string = string>(
    type: N,
    selector: Selector = ALL,
    options: MultipleOptions = {},
  ): Promise<EntryFor<T, UntypedEntries, N>[]> {
    return this.run(this.target(type, selector, options), (space) =>
      space.takeMultiple<Entry>(type, selector, options),
    ) as Promise<EntryFor<T, UntypedEntries, N>[]>;
  }

  count(type: string, selector: Selector = ALL, options: RoutingOptions = {}): Promise<number> {
    return this.run(this.target(type, selector, options), (space) => space.count(type, selector, options));
  }

  clear(type: string, selector: Selector = ALL, options: RoutingOptions = {}): Promise<number> {
    return this.run(this.target(type, selector, options), (space) => space.clear(type, selector, options));
  }

  change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options: ChangeOptions & RoutingOptions = {},
  ): Promise<ChangeResult> {
    return this.run(this.target(type, selector, options), (space) =>
      space.change(type, selector, changes, options),
    );
  }

  renew(type: string, id: string, lease: number, options: RoutingOptions = {}): Promise<SpaceWriteResult> {
    return this.run(this.target(type, { id }, options), (space) => space.renew(type, id, lease, options));
  }

  /**
   * Runs `fn` in a transaction in this process, on partitions this unit leads: one partition per
   * transaction (CrossPartitionTransactionError otherwise), and NotPrimaryError for a partition led
   * elsewhere (see `Space.transaction` for the rest).
   */
  transaction<T>(fn: (tx: SpaceTransaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.local.transaction(fn, options);
  }

  /** Hears committed mutations of every partition, wherever it is led (through the routed client). */
  async subscribe<T extends object = never, N extends string = string>(
    type: N,
    selector: Selector,
    listener: SpaceListener<EntryFor<T, UntypedEntries, N>>,
    options?: SubscribeOptions,
  ): Promise<() => void> {
    return (await this.client()).subscribe<Entry>(type, selector, listener as SpaceListener, options);
  }

  /** Committed mutations as an async iterator (see `Space.watch`), through the routed client. */
  watch<T extends object = never, N extends string = string>(
    type: N,
    options: WatchOptions = {},
  ): SpaceWatch<SpaceEvent<EntryFor<T, UntypedEntries, N>>> {
    return watchSubscription<SpaceEvent<EntryFor<T, UntypedEntries, N>>>(
      (selector, listener, subscribeOptions) =>
        this.subscribe<T, N>(type, selector, listener, subscribeOptions),
      options,
    );
  }

  /** Runs a task at one partition: in-process when it is led here (see `Space.execute`). */
  execute<R = unknown>(name: string, args?: unknown, options: ExecuteOptions = {}): Promise<R> {
    const { routing: _routing, ...run } = options;
    return executeAt(this.partitions, name, options, (partition) =>
      this.run(partition, (space) => space.execute(name, args, { ...run, partition })),
    );
  }

  /** Runs a task at every partition, in-process where led here, and reduces here (see `Space.executeAll`). */
  executeAll<R = unknown, A = R[]>(
    name: string,
    args?: unknown,
    options: ExecuteAllOptions<R, A> = {},
  ): Promise<A> {
    return executeAtAll(this.partitions, options, (partition, run) =>
      this.run(partition, (space) => space.execute(name, args, { ...run, partition })),
    );
  }

  /** A typed proxy of an exported service; calls to partitions led here run in-process (see `Space.remote`). */
  remote<T extends object>(name: string, options?: RemoteOptions): RemoteProxy<T> {
    return serviceProxy<T>(this, name, options);
  }

  /**
   * Closes the routed client, if it was ever connected; an operation that needs it afterwards fails
   * with SpaceClosedError instead of connecting a new one (which nothing would close).
   */
  async close(): Promise<void> {
    this.closed = true;
    const remote = await this.remoteSpace?.catch(() => undefined);
    await remote?.close();
  }

  /** The partition an operation names, or undefined for a broadcast (or a bad selector: the client says why). */
  private target(type: string, selector: Selector, options: RoutingOptions): number | undefined {
    try {
      return this.routing.forSelector(this.options.types.require(type), selector, options.routing);
    } catch {
      return undefined;
    }
  }

  /**
   * A read or take: on a partition led here, straight on its engine (routed once, no extra layers:
   * the hot path of collocated code); elsewhere through the client.
   */
  private blocking(
    kind: 'read' | 'take',
    type: string,
    selector: Selector,
    options: ReadOptions,
  ): Promise<Entry | null> {
    // A routing value names the partition by itself (the engine checks the type as it reads).
    const routing = options.routing;
    const partition =
      routing !== undefined && routing !== null
        ? partitionOf(routing, this.partitions)
        : this.target(type, selector, options);
    if (partition === undefined) return this.remoteBlocking(kind, type, selector, options);
    const waits = (options.timeout ?? 0) > 0 || options.signal !== undefined;
    if (kind === 'read' && !waits) {
      // A read that does not wait runs to its answer within this call, on an engine that is open while
      // it serves (stopping closes it and stops serving at once): nothing can refuse it afterwards.
      const serving = this.options.serving?.(partition);
      if (serving !== undefined) return serving.read(type, selector);
    }
    if (!this.options.isLocal(partition)) return this.remoteBlocking(kind, type, selector, options);
    const blockingOptions = waits
      ? { timeout: options.timeout ?? 0, ...(options.signal ? { signal: options.signal } : {}) }
      : undefined;
    let engine: SpaceEngine | Promise<SpaceEngine>;
    try {
      engine = this.options.local(partition);
    } catch (error) {
      return error instanceof NotPrimaryError
        ? this.remoteBlocking(kind, type, selector, options)
        : Promise.reject(error);
    }
    const answer =
      engine instanceof Promise
        ? engine.then((e) => e[kind](type, selector, blockingOptions))
        : engine[kind](type, selector, blockingOptions);
    // Refused before anything was taken (the partition moved away, or its engine closed as it did):
    // its new primary answers.
    return answer.catch((error: unknown) =>
      error instanceof NotPrimaryError || error instanceof SpaceClosedError
        ? this.remoteBlocking(kind, type, selector, options)
        : Promise.reject(error),
    );
  }

  private remoteBlocking(
    kind: 'read' | 'take',
    type: string,
    selector: Selector,
    options: ReadOptions,
  ): Promise<Entry | null> {
    return this.client().then((space) => space[kind](type, selector, options));
  }

  private async run<T>(partition: number | undefined, op: (space: Space) => Promise<T>): Promise<T> {
    if (partition !== undefined && this.options.isLocal(partition)) {
      try {
        return await op(this.local);
      } catch (error) {
        // Refused before anything was applied: the partition moved away; its new primary answers.
        if (!(error instanceof NotPrimaryError)) throw error;
      }
    }
    return op(await this.client());
  }

  private client(): Promise<Space> {
    if (this.closed) {
      return Promise.reject(new SpaceClosedError(`the collocated space of ${this.name} is closed`));
    }
    if (this.remoteSpace === undefined) {
      const connecting = this.options.remote();
      // A failed connect is not kept: the next operation tries again.
      connecting.catch(() => {
        if (this.remoteSpace === connecting) this.remoteSpace = undefined;
      });
      this.remoteSpace = connecting;
    }
    return this.remoteSpace;
  }
}
