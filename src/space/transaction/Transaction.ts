import { randomUUID } from 'node:crypto';
import {
  CrossPartitionTransactionError,
  InvalidArgumentError,
  TransactionAbortedError,
  TransactionTimeoutError,
  isRetriable,
} from '../../errors';
import type { SpaceEngine } from '../SpaceEngine';
import { commitBranches } from './commitBranches';
import type { TransactionBranch, TransactionOwner } from './TransactionBranch';

/** Options of `space.transaction`. */
export interface TransactionOptions {
  /** Most ms the callback may run before the transaction is rolled back. Default 10 s, at most 60 s. */
  readonly timeout?: number;
}

export const DEFAULT_TRANSACTION_TIMEOUT_MS = 10_000;
/** Locks are held for the whole callback, so a transaction is bounded; plain operations wait at most this. */
export const MAX_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * The life of one transaction over any number of partitions: its lock identity, its timer, one branch
 * per partition it touched, and the outcome. `run` calls the callback, then commits every branch all
 * or nothing (`commitBranches`); a throw, a rejection or the timeout rolls every branch back instead,
 * which leaves every partition exactly as it was.
 * @internal
 */
export class Transaction implements TransactionOwner {
  readonly id = randomUUID();
  private readonly branches = new Map<number, TransactionBranch>();
  private opening = new Map<number, Promise<TransactionBranch>>();
  private readonly deadline: number;
  private endedWith: Error | undefined;

  constructor(readonly timeoutMs: number) {
    this.deadline = Date.now() + timeoutMs;
  }

  /** Checks a timeout option (undefined → the default). */
  static timeoutOf(options: TransactionOptions | undefined): number {
    const timeout = options?.timeout ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
    if (typeof timeout !== 'number' || !(timeout > 0) || timeout > MAX_TRANSACTION_TIMEOUT_MS) {
      throw new InvalidArgumentError(
        `transaction timeout must be > 0 and <= ${MAX_TRANSACTION_TIMEOUT_MS} ms, got ${String(timeout)}`,
      );
    }
    return timeout;
  }

  get ended(): Error | undefined {
    return this.endedWith;
  }

  remainingMs(): number {
    return this.deadline - Date.now();
  }

  /** The branch of a partition, opened on first use. */
  async branch(
    partition: number,
    engine: () => SpaceEngine | Promise<SpaceEngine>,
  ): Promise<TransactionBranch> {
    if (this.endedWith) throw this.endedWith;
    const open = this.branches.get(partition);
    if (open) return open;
    let opening = this.opening.get(partition);
    if (!opening) {
      opening = Promise.resolve(engine()).then((e) => {
        if (this.endedWith) throw this.endedWith;
        const branch = e.openBranch(this);
        const apart = [...this.branches.values()].find((b) => !shareLogs(b, branch));
        if (apart !== undefined) {
          branch.abort();
          this.opening.delete(partition);
          const partitions = [...this.branches.keys(), partition].sort((a, b) => a - b);
          // The whole transaction is rolled back, even if the callback catches this: no half commit.
          const error = new CrossPartitionTransactionError(partitions, { partition });
          this.end(error);
          throw error;
        }
        this.branches.set(partition, branch);
        return branch;
      });
      this.opening.set(partition, opening);
    }
    return opening;
  }

  /** Runs the callback and commits, or rolls back on a throw or the timeout. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new TransactionTimeoutError(this.timeoutMs);
        if (this.end(error)) reject(error);
      }, this.timeoutMs);
      const finish = (): void => clearTimeout(timer);
      let body: Promise<T>;
      try {
        body = fn();
      } catch (error) {
        body = Promise.reject(error);
      }
      body.then(
        async (value) => {
          finish();
          if (this.endedWith instanceof TransactionTimeoutError) return; // already rejected
          if (this.endedWith) return reject(this.endedWith); // rolled back by an operation
          try {
            await this.commit();
            resolve(value);
          } catch (error) {
            reject(error);
          }
        },
        (cause: unknown) => {
          finish();
          const error =
            cause instanceof TransactionAbortedError ||
            cause instanceof TransactionTimeoutError ||
            cause instanceof CrossPartitionTransactionError
              ? cause
              : new TransactionAbortedError(`transaction rolled back: ${describe(cause)}`, {
                  cause,
                  retriable: isRetriable(cause),
                });
          if (this.end(error)) reject(error);
          else if (!(this.endedWith instanceof TransactionTimeoutError)) reject(error);
        },
      );
    });
  }

  private async commit(): Promise<void> {
    // Branches still opening belong to operations the callback did not wait for: they are refused.
    const committed = new TransactionAbortedError(
      'the transaction has ended; operations after it are refused',
    );
    this.endedWith = committed;
    try {
      await commitBranches([...this.branches.values()]);
    } catch (error) {
      for (const branch of this.branches.values()) branch.abort();
      throw error;
    }
  }

  /** Rolls every branch back; false when the transaction had ended already. */
  private end(error: Error): boolean {
    if (this.endedWith) return false;
    this.endedWith = error;
    for (const branch of this.branches.values()) branch.abort();
    return true;
  }
}

/** Two branches can commit in one Kafka transaction (an engine without a log shares with any). */
function shareLogs(a: TransactionBranch, b: TransactionBranch): boolean {
  return a.log === undefined || b.log === undefined || a.log.group === b.log.group;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
