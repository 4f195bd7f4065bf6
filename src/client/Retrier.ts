import { OperationAbortedError, RetriesExhaustedError } from '../errors';

/** Backoff between attempts: exponential with full jitter, capped. */
export interface RetryPolicy {
  /** First backoff, ms; default 25. */
  readonly initialBackoffMs: number;
  /** Largest backoff, ms; default 1000. */
  readonly maxBackoffMs: number;
  /** Growth per attempt; default 2. */
  readonly multiplier: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  initialBackoffMs: 25,
  maxBackoffMs: 1000,
  multiplier: 2,
});

/** One retried run: when to stop and which failures may be tried again. @internal */
export interface RetryRun {
  /** Epoch ms after which no new attempt starts. */
  readonly deadline: number;
  readonly signal?: AbortSignal;
  /** Whether this failure may be retried (per operation: reads always, writes only when unsent). */
  readonly retriable: (error: unknown) => boolean;
  /** Called before each retry (e.g. to drop a dead connection). */
  readonly onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * The one retrier of the client (STYLE rule 5). A failure that may not be retried is rethrown as is;
 * a retriable one is retried after a jittered backoff while the deadline allows, and the last
 * failure is wrapped in RetriesExhaustedError when it does not (rethrown as is after one attempt).
 * @internal
 */
export async function retry<T>(
  policy: RetryPolicy,
  run: RetryRun,
  attempt: (n: number) => Promise<T>,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!run.retriable(error)) throw error;
      const backoff =
        Math.random() * Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** (n - 1));
      if (Date.now() + backoff >= run.deadline) {
        if (n === 1) throw error;
        throw new RetriesExhaustedError(n, error);
      }
      run.onRetry?.(error, n);
      await sleep(backoff, run.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new OperationAbortedError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new OperationAbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
