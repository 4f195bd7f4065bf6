import { InvalidArgumentError, UnknownTaskError, type SpacelogError } from '../errors';
import type { TaskRunner } from './Task';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { ChangeOp } from '../space/ChangeSet';
import type { QueryCompiler } from '../space/ExecuteContext';
import type { Entry } from '../schema/Entry';
import type { ChangeOptions, ChangeResult, WriteOptions } from '../space/Operation';
import { queryCompiler } from '../space/QuerySelection';
import { ALL, type Selector } from '../space/Selector';
import type { SpaceEngine } from '../space/SpaceEngine';
import type { SpaceEvent, SpaceListener } from '../space/SubscriptionHub';
import { Transaction, type TransactionOptions } from '../space/transaction/Transaction';
import { blockingAcrossPartitions, firstInOrder } from './blockingAcrossPartitions';
import { takenFromAll } from './takenFromAll';
import { PartitionedTransaction, type PartitionAccess } from './PartitionedTransaction';
import {
  mergeChanges,
  mergeMatches,
  orderOf,
  picksWinners,
  sumCounts,
  type MatchOrder,
} from './partitionMerge';
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
} from './Space';
import { SpaceRouting } from './SpaceRouting';
import type { EntryFor, EntryTypeName, InputFor, UntypedEntries } from './typedEntries';
import { watchSubscription, type SpaceWatch, type WatchOptions } from './watchIterable';
import { serviceProxy } from './ServiceProxy';
import { executeAt, executeAtAll } from './taskCalls';

/**
 * The Space API over partitions: each operation goes to the partition its routing value names;
 * operations without one go to every partition and the answers are merged. A blocking take over
 * all partitions never takes twice: it waits with *reads* everywhere, then takes where a match showed.
 * Tasks and service calls run through `tasks` (the host's TaskRegistry), at the partition they name.
 */
export class PartitionedSpace<TM extends object = UntypedEntries, TI extends object = TM> implements Space<
  TM,
  TI
> {
  readonly partitions: number;
  private readonly routing: SpaceRouting;
  private readonly queries: QueryCompiler = queryCompiler();

  constructor(
    readonly name: string,
    private readonly types: TypeRegistry,
    partitions: number,
    private readonly access: PartitionAccess,
    private readonly tasks?: TaskRunner,
  ) {
    this.partitions = partitions;
    this.routing = new SpaceRouting(partitions);
  }

  async write<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    entry: InputFor<T, TI, N>,
    options?: WriteOptions,
  ): Promise<SpaceWriteResult> {
    return this.routing.routeWrite(this.types.require(type), entry as Entry, async (partition, routed) =>
      (await this.access(partition)).write(type, routed, options),
    );
  }

  read<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    options: ReadOptions = {},
  ): Promise<EntryFor<T, TM, N> | null> {
    return this.blocking('read', type, selector, options) as Promise<EntryFor<T, TM, N> | null>;
  }

  take<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    options: ReadOptions = {},
  ): Promise<EntryFor<T, TM, N> | null> {
    return this.blocking('take', type, selector, options) as Promise<EntryFor<T, TM, N> | null>;
  }

  readMultiple<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector = ALL,
    options: MultipleOptions = {},
  ): Promise<EntryFor<T, TM, N>[]> {
    return this.readAll(type, selector, options) as Promise<EntryFor<T, TM, N>[]>;
  }

  takeMultiple<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector = ALL,
    options: MultipleOptions = {},
  ): Promise<EntryFor<T, TM, N>[]> {
    return this.takeAll(type, selector, options) as Promise<EntryFor<T, TM, N>[]>;
  }

  private async readAll(type: string, selector: Selector, options: MultipleOptions): Promise<Entry[]> {
    const target = this.target(type, selector, options);
    if (target !== undefined) return (await this.access(target)).readMultiple(type, selector, options.limit);
    const parts = await Promise.all(
      this.routing.all().map(async (k) => (await this.access(k)).readMultiple(type, selector, options.limit)),
    );
    return this.merge(type, selector, parts.flat(), options.limit);
  }

  private async takeAll(type: string, selector: Selector, options: MultipleOptions): Promise<Entry[]> {
    const target = this.target(type, selector, options);
    if (target !== undefined) return (await this.access(target)).takeMultiple(type, selector, options.limit);
    // What any partition took is returned even when another fails: thrown away, it would be lost.
    if (!picksWinners(this.orderOf(type, selector), options.limit)) {
      return takenFromAll(
        this.routing.all().map(async (k) => (await this.access(k)).takeMultiple(type, selector)),
      );
    }
    // A global ORDER BY / LIMIT: pick the winners by reading, then take exactly those by id.
    const entryType = this.types.require(type);
    const winners = await this.readAll(type, selector, options);
    return takenFromAll(
      winners.map(async (entry) => {
        const k = this.routing.forWrite(entryType, entry).partition;
        return [await (await this.access(k)).take(type, { id: entryType.idOf(entry) })];
      }),
    );
  }

  async count(
    type: EntryTypeName<TM>,
    selector: Selector = ALL,
    options: RoutingOptions = {},
  ): Promise<number> {
    return this.sum(type, selector, options, (engine) => engine.count(type, selector));
  }

  async clear(
    type: EntryTypeName<TM>,
    selector: Selector = ALL,
    options: RoutingOptions = {},
  ): Promise<number> {
    return this.sum(type, selector, options, (engine) => engine.clear(type, selector));
  }

  async change(
    type: EntryTypeName<TM>,
    selector: Selector,
    changes: readonly ChangeOp[],
    options: ChangeOptions & RoutingOptions = {},
  ): Promise<ChangeResult> {
    const { routing: _routing, ...changeOptions } = options;
    const results = await this.each(type, selector, options, (engine) =>
      engine.change(type, selector, changes, changeOptions),
    );
    return mergeChanges(results);
  }

  async renew(
    type: EntryTypeName<TM>,
    id: string,
    lease: number,
    options: RoutingOptions = {},
  ): Promise<SpaceWriteResult> {
    const entryType = this.types.require(type);
    const target = this.routing.forId(entryType, id, options.routing);
    if (target === undefined) {
      throw new InvalidArgumentError(
        `renew of ${type}/${id} needs { routing } (the type is routed by '${entryType.routingField}')`,
        {
          type,
          entryId: id,
        },
      );
    }
    const result = await (await this.access(target)).renew(type, id, lease);
    return { ...result, partition: target };
  }

  /**
   * Runs `fn` in a transaction over any partitions, committed all or nothing (see `Space.transaction`).
   * In this in-process grid every primary is local, so one partition's transactional producer can
   * write the records of all of them in one Kafka transaction while their own writers are held.
   */
  transaction<T>(fn: (tx: SpaceTransaction<TM, TI>) => Promise<T>, options?: TransactionOptions): Promise<T> {
    let transaction: Transaction;
    try {
      transaction = new Transaction(Transaction.timeoutOf(options));
    } catch (error) {
      return Promise.reject(error);
    }
    const tx = new PartitionedTransaction<TM, TI>(
      transaction,
      this.types,
      this.routing,
      this.access,
      (t, s, e, l) => this.merge(t, s, e, l),
    );
    return transaction.run(() => fn(tx));
  }

  async subscribe<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    listener: SpaceListener<EntryFor<T, TM, N>>,
    // onEnd: when a partition's engine stops delivering (it closed: the grid closing, the partition
    // failing over or rebuilding), the whole subscription ends; subscribe again to go on.
    options?: SubscribeOptions,
  ): Promise<() => void> {
    const engines = await Promise.all(this.routing.all().map((k) => this.access(k)));
    let ended = false;
    const stopAll = (): void => {
      ended = true;
      stops.forEach((stop) => stop());
    };
    const onEnd = (error: SpacelogError): void => {
      if (ended) return;
      stopAll();
      options?.onEnd?.(error);
    };
    const stops: (() => void)[] = [];
    for (const engine of engines) {
      stops.push(
        engine.subscribe(type, selector, listener as SpaceListener, {
          ...(options?.ops !== undefined ? { ops: options.ops } : {}),
          onEnd,
        }),
      );
    }
    return stopAll;
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

  /** Runs task `name` at the partition `routing` or `partition` names, in process (see `Space.execute`). */
  execute<R = unknown>(name: string, args?: unknown, options: ExecuteOptions = {}): Promise<R> {
    return executeAt(this.partitions, name, options, (k) => this.runTask(name, args, k, options));
  }

  /** Runs task `name` at every partition and reduces the results here (see `Space.executeAll`). */
  executeAll<R = unknown, A = R[]>(
    name: string,
    args?: unknown,
    options: ExecuteAllOptions<R, A> = {},
  ): Promise<A> {
    return executeAtAll(this.partitions, options, (k, run) => this.runTask(name, args, k, run));
  }

  /** A typed proxy of an exported service (see `Space.remote`). */
  remote<T extends object>(name: string, options?: RemoteOptions): RemoteProxy<T> {
    return serviceProxy<T>(this, name, options);
  }

  private runTask(name: string, args: unknown, partition: number, options: ExecuteOptions): Promise<unknown> {
    if (this.tasks === undefined) {
      const reason = 'this space runs no tasks (its host gave it no task registry)';
      return Promise.reject(new UnknownTaskError(name, { space: this.name, partition, reason }));
    }
    const { timeout, signal } = options;
    return this.tasks.run(name, args, partition, {
      ...(timeout !== undefined ? { timeout } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
  }

  private target(type: string, selector: Selector, options: RoutingOptions): number | undefined {
    return this.routing.forSelector(this.types.require(type), selector, options.routing);
  }

  private async each<T>(
    type: string,
    selector: Selector,
    options: RoutingOptions,
    run: (engine: SpaceEngine) => Promise<T>,
  ): Promise<T[]> {
    const target = this.target(type, selector, options);
    const partitions = target === undefined ? this.routing.all() : [target];
    return Promise.all(partitions.map(async (k) => run(await this.access(k))));
  }

  private async sum(
    type: string,
    selector: Selector,
    options: RoutingOptions,
    run: (engine: SpaceEngine) => Promise<number>,
  ): Promise<number> {
    return sumCounts(await this.each(type, selector, options, run));
  }

  private orderOf(type: string, selector: Selector): MatchOrder {
    return orderOf(this.queries, this.types.require(type), selector);
  }

  private merge(type: string, selector: Selector, entries: Entry[], limit: number | undefined): Entry[] {
    return mergeMatches(this.orderOf(type, selector), entries, limit);
  }

  private async blocking(
    kind: 'read' | 'take',
    type: string,
    selector: Selector,
    options: ReadOptions,
  ): Promise<Entry | null> {
    const timeout = options.timeout ?? 0;
    const target = this.target(type, selector, options);
    const blockingOptions = { timeout, ...(options.signal ? { signal: options.signal } : {}) };
    if (target !== undefined) return (await this.access(target))[kind](type, selector, blockingOptions);
    const all = this.routing.all();
    return blockingAcrossPartitions({
      partitions: all,
      timeout,
      type,
      ...(options.signal ? { signal: options.signal } : {}),
      tryAll: () => firstInOrder(all, async (k) => (await this.access(k))[kind](type, selector)),
      waitOn: async (k, remaining, signal) =>
        (await this.access(k)).read(type, selector, { timeout: remaining, signal }),
    });
  }
}
