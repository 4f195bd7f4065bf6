import type { SpacelogError } from '../errors';
import type { ChangeOp } from '../space/ChangeSet';
import type { MutationOp } from '../space/Mutation';
import type { ChangeOptions, ChangeResult, WriteOptions, WriteResult } from '../space/Operation';
import type { Selector } from '../space/Selector';
import type { SpaceEvent, SpaceListener } from '../space/SubscriptionHub';
import type { TransactionOptions } from '../space/transaction/Transaction';
import type { EntryFor, EntryTypeName, InputFor, UntypedEntries } from './typedEntries';
import type { SpaceWatch, WatchOptions } from './watchIterable';

/** Names the partition of an operation whose selector does not (an id of a type routed by another field). */
export interface RoutingOptions {
  /** The routing value (e.g. the customerId of an Order); without it the operation goes to every partition. */
  readonly routing?: unknown;
}

/** Options of a blocking read or take. */
export interface ReadOptions extends RoutingOptions {
  /** 0 (default): answer at once. > 0: wait that many ms for a matching write. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
}

/** Options of subscribe. */
export interface SubscribeOptions {
  /** Only these kinds of mutation; default all. */
  readonly ops?: readonly MutationOp[];
  /** Called once when the subscription is ended other than by its unsubscribe function. */
  readonly onEnd?: (error: SpacelogError) => void;
}

/** Options of readMultiple / takeMultiple. */
export interface MultipleOptions extends RoutingOptions {
  /** Most entries returned (a query's own LIMIT applies too). */
  readonly limit?: number;
}

/** A write's outcome, with the partition that holds the entry. */
export interface SpaceWriteResult extends WriteResult {
  readonly partition: number;
}

/** Options of a read or take inside a transaction (it never blocks: it answers at once). */
export type TransactionReadOptions = RoutingOptions;

/**
 * The operations of an open transaction (`space.transaction`). Reads see the transaction's own
 * writes, and the last committed state elsewhere; writes, changes and takes lock their entries until
 * the transaction ends and become visible to others only when it commits, all at once.
 *
 * Typed by the maps of the space that opened it (`TM`, `TI`, see {@link Space}): on a typed space,
 * `tx.read('Order', …)` is an `Order | null` and `tx.write('Order', …)` takes exactly an `OrderInput`.
 */
export interface SpaceTransaction<TM extends object = UntypedEntries, TI extends object = TM> {
  write<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    entry: InputFor<T, TI, N>,
    options?: WriteOptions,
  ): Promise<SpaceWriteResult>;
  read<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    options?: TransactionReadOptions,
  ): Promise<EntryFor<T, TM, N> | null>;
  /** By id, waits for another transaction's lock; by template or query, skips entries other transactions locked. */
  take<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    options?: TransactionReadOptions,
  ): Promise<EntryFor<T, TM, N> | null>;
  readMultiple<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector?: Selector,
    options?: MultipleOptions,
  ): Promise<EntryFor<T, TM, N>[]>;
  change(
    type: EntryTypeName<TM>,
    selector: Selector,
    changes: readonly ChangeOp[],
    options?: ChangeOptions & RoutingOptions,
  ): Promise<ChangeResult>;
}

/** Options of `execute`: where the task runs and how it is bounded. */
export interface ExecuteOptions {
  /** Run at the primary of this routing value's partition (e.g. a customerId). */
  readonly routing?: unknown;
  /** Or run at partition k directly (0 .. partitions - 1). Exactly one of `routing` and `partition`. */
  readonly partition?: number;
  /** Milliseconds the task may run (TaskTimeoutError after, its signal aborted); default 30000. */
  readonly timeout?: number;
  /** Cancels the call; the task's own signal is aborted too (OperationAbortedError). */
  readonly signal?: AbortSignal;
  /**
   * The task may run twice without harm: a call that may already have run (lost connection after
   * sending, the partition moving mid-task) is then retried within its deadline, like a read.
   * Default false: only calls that surely did not run (NotPrimaryError before it started) are retried.
   */
  readonly idempotent?: boolean;
}

/** Options of `executeAll`: the reduce step on the caller and the bounds of each partition's run. */
export interface ExecuteAllOptions<R, A> {
  /** Combines the partitions' results (in partition order) on the caller; without it, the array. */
  readonly reduce?: (results: R[]) => A | Promise<A>;
  /** Milliseconds each partition's run may take; default 30000. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  /** See `ExecuteOptions.idempotent`, per partition. */
  readonly idempotent?: boolean;
}

/** Options of `remote`: how the proxy routes its calls. */
export interface RemoteOptions {
  /**
   * Computed on the caller for each call: the routing value whose partition's primary runs it.
   * Absent (or undefined for a call): the export's own routing decides at the unit (one redirect
   * when the call landed elsewhere), else the call runs at any partition.
   */
  readonly routing?: (method: string, args: readonly unknown[]) => unknown;
  /** Run every call at every partition and combine the answers (partition order) with `reduce`. */
  readonly broadcast?: {
    readonly reduce: (results: unknown[], method: string) => unknown;
  };
  /** Milliseconds each call may run; default 30000. */
  readonly timeout?: number;
  /** Every method may run twice without harm (see `ExecuteOptions.idempotent`). */
  readonly idempotent?: boolean;
}

/** A service's methods as a remote proxy has them: same arguments, answers as promises. */
export type RemoteProxy<T> = {
  readonly [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/**
 * The Space API: the same operations in process (`Spacelog.start`) and, later, through a remote
 * client. Every operation is routed to the primary of its partition; operations without a routing
 * value go to every partition and their answers are merged (ORDER BY and LIMIT honoured).
 *
 * Typed entries (docs/typed-entries.md): `TM` maps type names to the entry types `spacelog types`
 * generates (`SpacelogTypes`), `TI` to what writes accept (`SpacelogInputs`); a space typed so infers
 * each call's entry type from its type name and refuses unknown names. On any space, a call may name
 * its entry type itself (`space.read<Order>('Order', …)`: `Promise<Order | null>`). Untyped, entries
 * are `Entry`. Types are a promise of the schemas, not checked again: the space validates every write
 * against its schemas whatever the types say.
 */
export interface Space<TM extends object = UntypedEntries, TI extends object = TM> {
  readonly name: string;
  readonly partitions: number;
  write<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    entry: InputFor<T, TI, N>,
    options?: WriteOptions,
  ): Promise<SpaceWriteResult>;
  read<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    options?: ReadOptions,
  ): Promise<EntryFor<T, TM, N> | null>;
  take<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    options?: ReadOptions,
  ): Promise<EntryFor<T, TM, N> | null>;
  readMultiple<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector?: Selector,
    options?: MultipleOptions,
  ): Promise<EntryFor<T, TM, N>[]>;
  takeMultiple<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector?: Selector,
    options?: MultipleOptions,
  ): Promise<EntryFor<T, TM, N>[]>;
  count(type: EntryTypeName<TM>, selector?: Selector, options?: RoutingOptions): Promise<number>;
  clear(type: EntryTypeName<TM>, selector?: Selector, options?: RoutingOptions): Promise<number>;
  change(
    type: EntryTypeName<TM>,
    selector: Selector,
    changes: readonly ChangeOp[],
    options?: ChangeOptions & RoutingOptions,
  ): Promise<ChangeResult>;
  renew(
    type: EntryTypeName<TM>,
    id: string,
    lease: number,
    options?: RoutingOptions,
  ): Promise<SpaceWriteResult>;
  /**
   * Runs `fn` in a transaction over any partitions of the space: everything it wrote, changed or took
   * commits all or nothing (one Kafka transaction, so every read_committed reader sees all or none of
   * it). A throw or rejection rolls it back (TransactionAbortedError with the cause), so does the
   * timeout (TransactionTimeoutError, default 10 s); either way nothing of it was applied or logged.
   * `tx` is typed by this space's maps.
   */
  transaction<T>(fn: (tx: SpaceTransaction<TM, TI>) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Hears committed mutations of every partition; returns the unsubscribe function. `onEnd` is
   * called once if the subscription is ended by the other side (a remote client that reads events
   * too slowly gets SubscriptionOverflowError); no event follows it.
   */
  subscribe<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    listener: SpaceListener<EntryFor<T, TM, N>>,
    options?: SubscribeOptions,
  ): Promise<() => void>;
  /**
   * Committed mutations as an async iterator: `for await (const event of space.watch('Order', {
   * signal }))`. Subscribes at once (`ready` says when it is registered); ends on `break`, on the
   * signal or on `await using`; a reader more than `maxBuffered` events behind (default 10,000) gets
   * the held events, then WatchOverflowError. See {@link SpaceWatch}.
   */
  watch<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    options?: WatchOptions,
  ): SpaceWatch<SpaceEvent<EntryFor<T, TM, N>>>;
  /**
   * Runs the task registered as `name` at the primary of one partition (`routing` or `partition`),
   * in-process there, and answers its result. Errors: UnknownTaskError, TaskFailedError (it threw:
   * the cause's code travels), TaskTimeoutError, OperationAbortedError. Arguments and result are
   * wire JSON through a remote client (see docs/tasks-and-remoting.md).
   */
  execute<R = unknown>(name: string, args?: unknown, options?: ExecuteOptions): Promise<R>;
  /**
   * Runs the task at every partition's primary and reduces the results on the caller (map-reduce);
   * without `reduce`, answers the results in partition order. Waits for every partition; fails with
   * the first failure in partition order.
   */
  executeAll<R = unknown, A = R[]>(
    name: string,
    args?: unknown,
    options?: ExecuteAllOptions<R, A>,
  ): Promise<A>;
  /**
   * A typed proxy of the service a unit exported as `name`: each method call runs at the primary its
   * routing names (or at every partition, `broadcast`). Unknown service or method: UnknownServiceError.
   */
  remote<T extends object>(name: string, options?: RemoteOptions): RemoteProxy<T>;
}
