import { SpacelogError, SpacelogErrorOptions } from './SpacelogError';

/**
 * A transaction was rolled back before anything of it was applied or logged: its callback threw
 * (the error is the `cause`), it was used after it ended, or a partition it touched stopped serving.
 * Retriable when the cause is (a partition moving, a lock wait running out).
 */
export class TransactionAbortedError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions & { readonly retriable?: boolean } = {}) {
    super(message, 'TRANSACTION_ABORTED', options.retriable ?? false, options);
    this.name = 'TransactionAbortedError';
  }
}

/** A transaction ran past its timeout and was rolled back: nothing of it was applied or logged. */
export class TransactionTimeoutError extends SpacelogError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number, options: SpacelogErrorOptions = {}) {
    super(
      `transaction timed out after ${timeoutMs} ms and was rolled back`,
      'TRANSACTION_TIMEOUT',
      true,
      options,
    );
    this.name = 'TransactionTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * An operation waited too long for an entry locked by an open transaction (the transaction neither
 * committed nor aborted in time). Nothing was changed; try again.
 */
export class TransactionLockTimeoutError extends SpacelogError {
  readonly waitedMs: number;
  constructor(waitedMs: number, options: SpacelogErrorOptions = {}) {
    super(
      `entry ${options.type ?? '?'}/${options.entryId ?? '?'} stayed locked by a transaction for ${waitedMs} ms`,
      'TRANSACTION_LOCK_TIMEOUT',
      true,
      options,
    );
    this.name = 'TransactionLockTimeoutError';
    this.waitedMs = waitedMs;
  }
}

/**
 * A transaction touched a second partition whose log may move alone: in a processing unit every
 * partition moves to another unit by itself, so a transaction there spans one partition (its
 * partition's own fenced producer writes it; see docs/processing-grid.md). Only a one-process grid,
 * whose partitions move together, commits across partitions. Nothing was applied; route the
 * transaction's entries to one partition (a shared routing value), or split it.
 */
export class CrossPartitionTransactionError extends SpacelogError {
  /** The partitions the transaction touched, ascending. */
  readonly partitions: readonly number[];
  constructor(partitions: readonly number[], options: SpacelogErrorOptions = {}) {
    super(
      `a transaction in a processing unit spans one partition; this one touched partitions ${partitions.join(', ')}. ` +
        'Route its entries to one partition (one routing value) or split it',
      'CROSS_PARTITION_TRANSACTION',
      false,
      options,
    );
    this.name = 'CrossPartitionTransactionError';
    this.partitions = [...partitions];
  }
}
