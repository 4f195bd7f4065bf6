import { MirrorWaitTimeoutError, type SpacelogError } from '../errors';
import type { MirrorPosition } from './waitForMirror';

interface Waiter {
  readonly offset: number;
  readonly resolve: () => void;
  readonly reject: (error: SpacelogError) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The applied position of each partition in this process, and the callers waiting for one.
 * @internal
 */
export class PositionWaiters {
  private readonly applied = new Map<number, number>();
  private readonly waiters = new Map<number, Waiter[]>();
  private failure: SpacelogError | undefined;

  constructor(private readonly space: string) {}

  /** Next offset to apply, per partition (what PostgreSQL holds, as this process last saw it). */
  get positions(): ReadonlyMap<number, number> {
    return this.applied;
  }

  /** Records a committed position (never moves back) and wakes the waiters it satisfies. */
  advance(partition: number, appliedOffset: number): void {
    if ((this.applied.get(partition) ?? -1) >= appliedOffset) return;
    this.applied.set(partition, appliedOffset);
    const list = this.waiters.get(partition);
    if (list === undefined) return;
    const still = list.filter((w) => {
      if (w.offset >= appliedOffset) return true;
      clearTimeout(w.timer);
      w.resolve();
      return false;
    });
    this.waiters.set(partition, still);
  }

  /** Moves a partition back (the database holds less than we committed); waiters keep waiting. */
  rewind(partition: number, appliedOffset: number): void {
    if ((this.applied.get(partition) ?? 0) > appliedOffset) this.applied.set(partition, appliedOffset);
  }

  /** Resolves once the record at `position` is applied; rejects on timeout or `failAll`. */
  wait(position: MirrorPosition, timeoutMs: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if ((this.applied.get(position.partition) ?? 0) > position.offset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.remove(position.partition, waiter);
        reject(
          new MirrorWaitTimeoutError(
            `mirror of space ${this.space} did not apply offset ${position.offset} of partition ` +
              `${position.partition} within ${timeoutMs} ms`,
            { space: this.space, partition: position.partition, offset: String(position.offset) },
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = { offset: position.offset, resolve, reject, timer };
      const list = this.waiters.get(position.partition) ?? [];
      list.push(waiter);
      this.waiters.set(position.partition, list);
    });
  }

  /** Rejects every waiter, now and later, with `error` (the projector stopped). */
  failAll(error: SpacelogError): void {
    this.failure ??= error;
    for (const list of this.waiters.values()) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.reject(error);
      }
    }
    this.waiters.clear();
  }

  private remove(partition: number, waiter: Waiter): void {
    const list = this.waiters.get(partition);
    if (list !== undefined)
      this.waiters.set(
        partition,
        list.filter((w) => w !== waiter),
      );
  }
}
