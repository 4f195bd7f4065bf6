import BTree from 'sorted-btree';
import type { PollingBackoff } from './PollingOptions';
import { backoffMs } from '../retry/backoff';

/** Where one entry version stands after failures. */
export interface AttemptRecord {
  /** Failed attempts so far. */
  readonly failures: number;
  /** Epoch ms before which the entry is not tried again. */
  readonly retryAt: number;
  /** True once `failures` reached maxAttempts: the entry goes to the dead-letter type, not the handler. */
  readonly exhausted: boolean;
  /** The last failure (what a dead letter records). */
  readonly error: unknown;
}

/** Most entry versions remembered per partition; the oldest are forgotten past it (bounded memory). */
export const MAX_LEDGER_ENTRIES = 100_000;

/**
 * Failed attempts per entry version (`type/id@version`) of one partition, in memory: how many, and
 * when the next may start (exponential backoff, capped, half fixed and half random). A success or
 * a dead-letter move forgets the entry; so does a failover (the new primary starts counting from
 * zero, documented), and a version that changes is a new entry. Pure apart from `random`.
 * @internal
 */
export class AttemptLedger {
  private readonly records = new Map<string, AttemptRecord>();
  /** Every record by (retryAt, key): the next due time is a lookup, not a scan of up to 100k records. */
  private readonly byRetryAt = new BTree<readonly [number, string], true>(undefined, compareDue);

  constructor(
    private readonly maxAttempts: number,
    private readonly backoff: Required<PollingBackoff>,
    private readonly random: () => number = Math.random,
    private readonly capacity = MAX_LEDGER_ENTRIES,
  ) {}

  static key(type: string, id: string, version: number): string {
    return `${type}/${id}@${version}`;
  }

  get size(): number {
    return this.records.size;
  }

  get(key: string): AttemptRecord | undefined {
    return this.records.get(key);
  }

  /** The attempt number the next try of this entry would be (1 when it never failed). */
  attemptOf(key: string): number {
    return (this.records.get(key)?.failures ?? 0) + 1;
  }

  /** True while the entry waits for its backoff (and is not due for a dead-letter move). */
  isDelayed(key: string, now: number): boolean {
    const record = this.records.get(key);
    return record !== undefined && record.retryAt > now;
  }

  /** Records one failed attempt; the result says whether the entry is out of attempts. */
  failed(key: string, now: number, error: unknown): AttemptRecord {
    const failures = (this.records.get(key)?.failures ?? 0) + 1;
    const exhausted = failures >= this.maxAttempts;
    // Exhausted: due at once for its dead-letter move.
    const retryAt = exhausted ? now : now + this.delayOf(failures);
    const record: AttemptRecord = { failures, exhausted, retryAt, error };
    this.forget(key); // re-inserted last: the Map's order is the eviction order
    this.put(key, record);
    if (this.records.size > this.capacity) {
      const oldest = this.records.keys().next().value;
      if (oldest !== undefined) this.forget(oldest);
    }
    return record;
  }

  /**
   * A dead-letter move that failed: keep the entry exhausted and wait a backoff before the next move
   * (never in a tight loop, never dropped).
   */
  moveFailed(key: string, now: number): void {
    const record = this.records.get(key);
    if (record === undefined) return;
    this.byRetryAt.delete([record.retryAt, key]);
    this.put(key, { ...record, retryAt: now + this.delayOf(record.failures) });
  }

  /** Forgets an entry version (processed, dead-lettered, or gone). */
  forget(key: string): void {
    const record = this.records.get(key);
    if (record === undefined) return;
    this.records.delete(key);
    this.byRetryAt.delete([record.retryAt, key]);
  }

  /** The earliest retry time after `now`, if an entry waits for one. */
  nextDue(now: number): number | undefined {
    // '\uffff' sorts after every key: the first pair past it is the first with a retryAt above `now`.
    return this.byRetryAt.nextHigherKey([now, '\uffff'])?.[0];
  }

  private put(key: string, record: AttemptRecord): void {
    this.records.set(key, record);
    this.byRetryAt.set([record.retryAt, key], true);
  }

  /** Backoff after the n-th failure: min(max, initial × multiplier^(n−1)), between half and all of it. */
  delayOf(failures: number): number {
    return backoffMs({ ...this.backoff, jitter: 'equal' }, failures, this.random);
  }
}

function compareDue(a: readonly [number, string], b: readonly [number, string]): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}
