import { OperationAbortedError, RetriesExhaustedError } from '../errors';
import { backoffMs, sleep, type Delay } from './backoff';

/** How one run of {@link retry} retries, waits and gives up. */
export interface RetryOptions {
  /**
   * The wait before each retry. With one, every retry waits on a timer (even of 0 ms: failures that
   * never leave the microtask queue still let the event loop run); without one, it follows at once.
   */
  readonly delay?: Delay;
  /** Whether this failure of attempt `attempt` may be tried again; a failure that may not is rethrown as is. */
  readonly retriable: (error: unknown, attempt: number) => boolean;
  /** Attempts at most (the first included); default: no limit. */
  readonly maxAttempts?: number;
  /** Epoch ms: no retry whose wait would end at or after it. */
  readonly deadline?: number;
  /** Ends a wait at once and forbids the next attempt (not checked before the first: the caller's to do). */
  readonly signal?: AbortSignal;
  /** What an abort throws; default OperationAbortedError. */
  readonly abortError?: () => Error;
  /**
   * What giving up (out of attempts or of time) throws: `'wrap'`, RetriesExhaustedError with the last
   * failure as its cause (the failure as is when there was a single attempt); `'last'`, the last
   * failure as is.
   */
  readonly exhausted: 'wrap' | 'last';
  /** Told each retriable failure, its attempt number and the wait that follows, before the wait. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Runs after each wait, even one an abort cut short (e.g. a Kafka heartbeat); its failures are ignored. */
  readonly afterWait?: () => Promise<void>;
  /** The wait's timer does not keep the process alive. */
  readonly unref?: boolean;
  /** Source of the jitter, in [0, 1); default Math.random. */
  readonly random?: () => number;
}

/**
 * The one retrier (STYLE rule 5): runs `attempt` (numbered from 1) until it succeeds, a failure may
 * not be retried, attempts or time run out, or `signal` aborts a wait.
 */
export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!options.retriable(error, n)) throw error;
      const wait = options.delay === undefined ? 0 : backoffMs(options.delay, n, options.random);
      const outOfAttempts = options.maxAttempts !== undefined && n >= options.maxAttempts;
      const outOfTime = options.deadline !== undefined && Date.now() + wait >= options.deadline;
      if (outOfAttempts || outOfTime) {
        throw options.exhausted === 'wrap' && n > 1 ? new RetriesExhaustedError(n, error) : error;
      }
      options.onRetry?.(error, n, wait);
      if (options.delay !== undefined) {
        await sleep(wait, options.signal, options.unref);
        await runIgnoringFailure(options.afterWait);
      }
      if (options.signal?.aborted === true) {
        throw options.abortError === undefined ? new OperationAbortedError() : options.abortError();
      }
    }
  }
}

async function runIgnoringFailure(task: (() => Promise<void>) | undefined): Promise<void> {
  try {
    await task?.();
  } catch {
    // Ignored: a failed side task must not end the retries.
  }
}
