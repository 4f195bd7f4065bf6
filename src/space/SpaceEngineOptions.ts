import type { OperationStats } from '../ops/metrics/OperationStats';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { EngineLimits, QueryCompiler } from './ExecuteContext';
import type { Mutation } from './Mutation';
import type { PartitionState } from './PartitionState';
import type { TransactionLog } from './transaction/TransactionLog';

/** Where a mutation landed in its partition log (the sink knows; the engine only passes it on). */
export interface MutationPosition {
  readonly partition: number;
  readonly offset: number;
}

/** Where committed mutations go: the partition log (group commit) in a primary. */
export interface MutationSink {
  /**
   * Resolves once the mutations are durable; a rejection fail-stops the partition. A sink that knows
   * where they landed resolves with one position per mutation, in order (writes then report theirs).
   */
  append(mutations: readonly Mutation[]): Promise<void | readonly MutationPosition[]>;
  /**
   * A sink that acknowledges before the log has the mutations (asynchronous replication): settles
   * once every mutation handed to it so far has reached the log or failed to. Never rejects.
   */
  appended?(): Promise<void>;
}

export interface SpaceEngineOptions {
  readonly types: TypeRegistry;
  /** Identity stamped on every mutation (process / replica id). */
  readonly origin: string;
  readonly partition?: number;
  /** The primary's clock (epoch ms). Default Date.now. */
  readonly clock?: () => number;
  /** Default: none, every operation is committed at once. */
  readonly sink?: MutationSink;
  readonly limits?: EngineLimits;
  /** Id source for generated ids. Default crypto.randomUUID. */
  readonly nextId?: () => string;
  /** Query compiler. Default: the query module through this engine's own LRU cache. */
  readonly queries?: QueryCompiler;
  /** Receives errors thrown by subscription listeners. Default: a process warning (the hosting partitions pass one that logs). */
  readonly onListenerError?: (error: unknown) => void;
  /** The partition's log for multi-partition transaction commits (set by the primary). */
  readonly transactionLog?: TransactionLog;
  /** How long a plain write / take / change waits for an entry locked by a transaction. Default 30 s. */
  readonly lockWaitMs?: number;
  /**
   * Adopts an existing state instead of an empty one: a backup's fold handed to the engine of the
   * primary it is promoted to. The state must not be used elsewhere afterwards.
   */
  readonly state?: PartitionState;
  /**
   * Counts every public operation (per type and operation, errors, latency) into plain numbers that
   * the metrics read later; absent, nothing is counted.
   */
  readonly stats?: OperationStats;
}

/** Default bound of a plain operation's wait for a transaction's lock (transactions last 60 s at most). */
export const DEFAULT_LOCK_WAIT_MS = 30_000;

/** Blocking options of read / take. */
export interface BlockingOptions {
  /** 0 (default) = answer at once; > 0 = wait up to that many ms for a matching write; Infinity = forever. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
}
