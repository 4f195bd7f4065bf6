import { InvariantViolationError } from '../../errors';
import type { LogHold, PreparedRecords } from '../../space/transaction/TransactionLog';
import type { EncodedRecord } from '../codec/LogTypes';

/** Records of one partition encoded for a multi-partition commit. @internal */
export interface PreparedAppend extends PreparedRecords {
  readonly encoded: readonly EncodedRecord[];
}

/** What a hold needs of the appender that queued it. @internal */
export interface HoldingAppender {
  /** Writes every hold's records in ONE Kafka transaction with this appender's producer; commits. */
  writeAcross(holds: readonly AppendHold[]): Promise<void>;
  /** Ends the appender after a failed multi-partition commit (its partition fails stop). */
  endHold(error: unknown): void;
}

/**
 * A hold in one partition appender's group-commit queue (see `TransactionLog`). It goes through the
 * queue as a batch of its own: when its turn comes, every earlier batch is committed and nothing is in
 * flight; the queue then waits for `release` (or `fail`) before sending what queued up behind it.
 * @internal
 */
export class AppendHold implements LogHold {
  readonly reached: Promise<void>;
  private readonly released: Promise<void>;
  private onReached!: () => void;
  private onNotReached!: (error: unknown) => void;
  private onRelease!: () => void;
  private onFail!: (error: unknown) => void;
  private settled = false;

  constructor(
    private readonly appender: HoldingAppender,
    readonly records: PreparedAppend,
  ) {
    this.reached = new Promise<void>((resolve, reject) => {
      this.onReached = resolve;
      this.onNotReached = reject;
    });
    this.released = new Promise<void>((resolve, reject) => {
      this.onRelease = resolve;
      this.onFail = reject;
    });
    // Both are awaited by the commit (or the queue) only on their paths: never an unhandled rejection.
    this.reached.catch(() => undefined);
    this.released.catch(() => undefined);
  }

  /** The queue reached the hold: answers once the commit released (or failed) it. */
  arrive(): Promise<void> {
    this.onReached();
    return this.released;
  }

  /** The queue dropped the hold before reaching it (the appender ended). */
  drop(error: unknown): void {
    this.onNotReached(error);
  }

  writeAll(holds: readonly LogHold[]): Promise<void> {
    const mine = holds.map((h) => {
      if (!(h instanceof AppendHold)) throw new InvariantViolationError('a hold of another kind of log');
      return h;
    });
    return this.appender.writeAcross(mine);
  }

  release(): void {
    if (this.settled) return;
    this.settled = true;
    this.onRelease();
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.appender.endHold(error);
    this.onNotReached(error);
    this.onFail(error);
  }
}
