/**
 * A capped exponential backoff: the ceiling after the n-th failure in a row is
 * `min(maxMs, initialMs × multiplier^(n−1))`, then jittered.
 */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  /**
   * `'full'`: anywhere in [0, ceiling), not rounded (the client's: spreads callers widest);
   * `'equal'`: half the ceiling fixed, half random, rounded to whole ms (never retries at once);
   * `'none'`: the ceiling itself.
   */
  readonly jitter: 'full' | 'equal' | 'none';
}

/** How long to wait before a retry: a backoff, or any function of the failures so far (from 1). */
export type Delay = Backoff | ((failures: number) => number);

/** The wait, in ms, after `failures` failures in a row. `random` returns a number in [0, 1). */
export function backoffMs(delay: Delay, failures: number, random: () => number = Math.random): number {
  if (typeof delay === 'function') return delay(failures);
  const ceiling = Math.min(delay.maxMs, delay.initialMs * delay.multiplier ** Math.max(0, failures - 1));
  switch (delay.jitter) {
    case 'full':
      return random() * ceiling;
    case 'equal':
      return Math.round(ceiling / 2 + random() * (ceiling / 2));
    case 'none':
      return ceiling;
  }
}

/**
 * Resolves after `ms`, or at once when `signal` aborts (or has aborted); never rejects, so the caller
 * decides what an abort means. `unref`: the timer does not keep the process alive.
 */
export function sleep(ms: number, signal?: AbortSignal, unref = false): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (unref) timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}
