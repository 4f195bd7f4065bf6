import { OperationAbortedError } from '../errors';
import type { Entry } from '../schema/Entry';

/** A blocking read or take over every partition, in terms of its per-partition steps. @internal */
export interface AcrossPartitions {
  readonly partitions: readonly number[];
  /** How long to wait for a match, ms (0: one pass, no wait). */
  readonly timeout: number;
  readonly signal?: AbortSignal;
  readonly type: string;
  /** One pass that does not wait: the first match in partition order, or null. */
  readonly tryAll: () => Promise<Entry | null>;
  /**
   * A *read* on partition k that settles when a match shows there or `timeout` ms pass; `signal`
   * aborts it (rejecting with OperationAbortedError).
   */
  readonly waitOn: (partition: number, timeout: number, signal: AbortSignal) => Promise<unknown>;
}

/**
 * Runs a blocking read or take over every partition: a pass without waiting, and while nothing
 * matches, a wait with *reads* on every partition until the first match shows, then another pass.
 * Waiting with reads is what keeps a take from ever taking twice (it only takes in a pass, where it
 * stops at the first match); a match taken by someone else between the wake-up and the pass just
 * means another round. Used by the in-process grid and by the remote client alike.
 * @internal
 */
export async function blockingAcrossPartitions(run: AcrossPartitions): Promise<Entry | null> {
  const deadline = Date.now() + run.timeout;
  for (;;) {
    const found = await run.tryAll();
    if (found !== null) return found;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return null;
    if (run.signal?.aborted) throw new OperationAbortedError({ type: run.type });
    // Wait with reads on every partition; the first match wakes us and we try again.
    const stop = new AbortController();
    const relay = (): void => stop.abort();
    run.signal?.addEventListener('abort', relay, { once: true });
    try {
      await Promise.race(
        run.partitions.map((k) =>
          run.waitOn(k, remaining, stop.signal).catch((error: unknown) => {
            if (error instanceof OperationAbortedError) return null;
            throw error;
          }),
        ),
      );
    } finally {
      run.signal?.removeEventListener('abort', relay);
      stop.abort();
    }
  }
}

/** One pass over the partitions in order, stopping at the first match (a take must not take twice). */
export async function firstInOrder(
  partitions: readonly number[],
  attempt: (partition: number) => Promise<Entry | null>,
): Promise<Entry | null> {
  for (const k of partitions) {
    const found = await attempt(k);
    if (found !== null) return found;
  }
  return null;
}
