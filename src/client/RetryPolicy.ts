import type { Backoff } from '../retry/backoff';

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

/** The client's policy as the retrier's backoff: full jitter. @internal */
export function clientBackoff(policy: RetryPolicy): Backoff {
  return {
    initialMs: policy.initialBackoffMs,
    maxMs: policy.maxBackoffMs,
    multiplier: policy.multiplier,
    jitter: 'full',
  };
}
