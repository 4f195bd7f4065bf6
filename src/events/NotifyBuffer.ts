import type { NotifyEvent } from './NotifyOptions';

/** Why `NotifyBuffer.next` returned. */
export type BatchWait = 'batch' | 'idle' | 'interrupted';

/**
 * The events of one partition read ahead of its handler, in log order, and the batching rule:
 * a batch is ready when `batchSize` events are there, or when the oldest has waited `batchTimeMs`.
 * Its size is bounded by the caller (the reader stops at `maxBufferedEvents`).
 * @internal
 */
export class NotifyBuffer {
  private events: NotifyEvent[] = [];
  private head = 0;
  private firstAt = 0;
  private pending: ((why: 'pushed' | 'interrupted') => void) | undefined;

  constructor(
    private readonly batchSize: number,
    private readonly batchTimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.events.length - this.head;
  }

  /** The oldest event not taken yet. */
  first(): NotifyEvent | undefined {
    return this.events[this.head];
  }

  push(event: NotifyEvent): void {
    if (this.size === 0) this.firstAt = this.now();
    this.events.push(event);
    if (this.size >= this.batchSize) this.signal();
    else if (this.size === 1) this.signal(); // a waiter with an empty buffer starts the batch timer
  }

  /** Removes and returns the next batch (up to `batchSize` events). */
  take(): NotifyEvent[] {
    const batch = this.events.slice(this.head, this.head + this.batchSize);
    this.head += batch.length;
    // Compact now and then so the array does not keep every event ever read.
    if (this.head >= 1024 && this.head * 2 >= this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
    if (this.size > 0) this.firstAt = this.now();
    return batch;
  }

  /** Drops every event (the reader restarts from the position of the first). */
  clear(): void {
    this.events = [];
    this.head = 0;
  }

  /** Wakes a pending `next` with `interrupted` (stop, pause of the reader). */
  interrupt(): void {
    this.signal('interrupted');
  }

  /**
   * Waits for a batch: `batch` once one is ready, `idle` when the buffer stayed empty for `idleMs`,
   * `interrupted` on `interrupt()`.
   */
  async next(idleMs: number): Promise<BatchWait> {
    for (;;) {
      if (this.size >= this.batchSize) return 'batch';
      const waitMs = this.size === 0 ? idleMs : Math.max(0, this.firstAt + this.batchTimeMs - this.now());
      if (this.size > 0 && waitMs === 0) return 'batch';
      const woken = await this.sleep(waitMs);
      if (woken === 'interrupted') return 'interrupted';
      if (woken === 'timeout' && this.size === 0) return 'idle';
    }
  }

  private sleep(ms: number): Promise<'timeout' | 'pushed' | 'interrupted'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish('timeout'), ms);
      const finish = (why: 'timeout' | 'pushed' | 'interrupted'): void => {
        clearTimeout(timer);
        this.pending = undefined;
        resolve(why);
      };
      this.pending = finish;
    });
  }

  private signal(why: 'pushed' | 'interrupted' = 'pushed'): void {
    this.pending?.(why);
  }
}
