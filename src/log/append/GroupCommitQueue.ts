/** One waiting append: its size, and how to answer it. */
export interface QueuedItem<R> {
  readonly records: number;
  readonly bytes: number;
  /** Goes in a batch of its own (a transaction barrier): the items before it are sent first. */
  readonly alone?: boolean;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/** Bounds of one group-commit batch. */
export interface GroupCommitLimits {
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  /** How long an idle queue waits for more appends before sending; 0 = the same event-loop turn. */
  readonly lingerMs: number;
}

/**
 * @internal
 * Group commit: appends that arrive while a batch is in flight (or within `lingerMs` of an idle
 * queue) join the next batch; one batch is in flight at a time and the next forms meanwhile.
 * An item is never split across batches (its records commit atomically), so a single item larger
 * than the limits goes alone.
 */
export class GroupCommitQueue<I extends QueuedItem<unknown>> {
  private readonly items: I[] = [];
  private queuedRecords = 0;
  private queuedBytes = 0;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  constructor(
    private readonly limits: GroupCommitLimits,
    private readonly sendBatch: (batch: readonly I[]) => Promise<void>,
  ) {}

  /** Items waiting (not in flight). */
  get size(): number {
    return this.items.length;
  }

  /** Queues an item; the caller answers it from `sendBatch`. */
  push(item: I): void {
    this.items.push(item);
    this.queuedRecords += item.records;
    this.queuedBytes += item.bytes;
    this.schedule();
  }

  /** Takes every waiting item out (to reject them on failure). */
  drainAll(): I[] {
    this.cancelTimer();
    this.queuedRecords = 0;
    this.queuedBytes = 0;
    return this.items.splice(0, this.items.length);
  }

  private schedule(): void {
    if (this.inFlight !== undefined || this.items.length === 0) return;
    const full =
      this.queuedRecords >= this.limits.maxBatchRecords || this.queuedBytes >= this.limits.maxBatchBytes;
    if (full) {
      this.cancelTimer();
      this.flushNext();
    } else if (this.timer === undefined) {
      const fire = (): void => {
        this.timer = undefined;
        this.flushNext();
      };
      this.timer = this.limits.lingerMs > 0 ? setTimeout(fire, this.limits.lingerMs) : setImmediate(fire);
    }
  }

  private flushNext(): void {
    if (this.inFlight !== undefined || this.items.length === 0) return;
    const batch = this.takeBatch();
    this.inFlight = this.sendBatch(batch)
      .catch(() => undefined) // sendBatch answers its items itself; a throw must not stall the queue
      .finally(() => {
        this.inFlight = undefined;
        // Items that queued up during the flight already waited: send them without lingering, but
        // one macrotask later, so the appends of the callers just answered (their next operation,
        // a chain of microtasks) join this batch instead of waiting a whole flight for the next.
        if (this.items.length > 0 && this.timer === undefined) {
          this.timer = setImmediate(() => {
            this.timer = undefined;
            this.flushNext();
          });
        }
      });
  }

  private takeBatch(): I[] {
    let records = 0;
    let bytes = 0;
    let count = 0;
    for (const item of this.items) {
      if (item.alone) {
        if (count === 0) {
          records += item.records;
          bytes += item.bytes;
          count = 1;
        }
        break;
      }
      const fits =
        records + item.records <= this.limits.maxBatchRecords &&
        bytes + item.bytes <= this.limits.maxBatchBytes;
      if (count > 0 && !fits) break;
      records += item.records;
      bytes += item.bytes;
      count++;
    }
    this.queuedRecords -= records;
    this.queuedBytes -= bytes;
    return this.items.splice(0, count);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }
}
