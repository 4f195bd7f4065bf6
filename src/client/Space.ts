import type { SpacelogError } from '../errors';
import type { ChangeOp } from '../space/ChangeSet';
import type { Entry, MutationOp } from '../space/Mutation';
import type { ChangeOptions, ChangeResult, WriteOptions, WriteResult } from '../space/Operation';
import type { Selector } from '../space/Selector';
import type { SpaceListener } from '../space/SubscriptionHub';
import type { TransactionOptions } from '../space/transaction/Transaction';

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
 */
export interface SpaceTransaction {
  write(
    type: string,
    entry: Readonly<Record<string, unknown>>,
    options?: WriteOptions,
  ): Promise<SpaceWriteResult>;
  read(type: string, selector: Selector, options?: TransactionReadOptions): Promise<Entry | null>;
  /** By id, waits for another transaction's lock; by template or query, skips entries other transactions locked. */
  take(type: string, selector: Selector, options?: TransactionReadOptions): Promise<Entry | null>;
  readMultiple(type: string, selector?: Selector, options?: MultipleOptions): Promise<Entry[]>;
  change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options?: ChangeOptions & RoutingOptions,
  ): Promise<ChangeResult>;
}

/**
 * The Space API: the same operations in process (`Spacelog.start`) and, later, through a remote
 * client. Every operation is routed to the primary of its partition; operations without a routing
 * value go to every partition and their answers are merged (ORDER BY and LIMIT honoured).
 */
export interface Space {
  readonly name: string;
  readonly partitions: number;
  write(
    type: string,
    entry: Readonly<Record<string, unknown>>,
    options?: WriteOptions,
  ): Promise<SpaceWriteResult>;
  read(type: string, selector: Selector, options?: ReadOptions): Promise<Entry | null>;
  take(type: string, selector: Selector, options?: ReadOptions): Promise<Entry | null>;
  readMultiple(type: string, selector?: Selector, options?: MultipleOptions): Promise<Entry[]>;
  takeMultiple(type: string, selector?: Selector, options?: MultipleOptions): Promise<Entry[]>;
  count(type: string, selector?: Selector, options?: RoutingOptions): Promise<number>;
  clear(type: string, selector?: Selector, options?: RoutingOptions): Promise<number>;
  change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options?: ChangeOptions & RoutingOptions,
  ): Promise<ChangeResult>;
  renew(type: string, id: string, lease: number, options?: RoutingOptions): Promise<SpaceWriteResult>;
  /**
   * Runs `fn` in a transaction over any partitions of the space: everything it wrote, changed or took
   * commits all or nothing (one Kafka transaction, so every read_committed reader sees all or none of
   * it). A throw or rejection rolls it back (TransactionAbortedError with the cause), so does the
   * timeout (TransactionTimeoutError, default 10 s); either way nothing of it was applied or logged.
   */
  transaction<T>(fn: (tx: SpaceTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Hears committed mutations of every partition; returns the unsubscribe function. `onEnd` is
   * called once if the subscription is ended by the other side (a remote client that reads events
   * too slowly gets SubscriptionOverflowError); no event follows it.
   */
  subscribe(
    type: string,
    selector: Selector,
    listener: SpaceListener,
    options?: SubscribeOptions,
  ): Promise<() => void>;
}
