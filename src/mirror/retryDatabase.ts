import { MirrorStoppedError, SpacelogError } from '../errors';
import { backoffMs, type Backoff } from '../retry/backoff';
import { retry } from '../retry/Retrier';

/** Backoff of database retries: exponential from `initialMs`, capped at `maxMs`, with jitter. */
export interface RetryPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialMs: 100, maxMs: 5_000 };

/** Called before each wait: the failure, how many attempts failed so far, and the wait. */
export type RetryListener = (error: unknown, attempt: number, delayMs: number) => void;

/**
 * SQLSTATE classes that retrying cannot cure: data exceptions (22), integrity violations (23),
 * syntax / undefined objects (42: a table or column changed under the mirror). Everything else
 * (connection refused or reset, server shutting down, too many connections, serialization
 * failures, pool timeouts) is an outage or contention, and the mirror waits it out.
 */
const PERMANENT_CLASSES = new Set(['22', '23', '42']);

/** True when a PostgreSQL / driver error may go away by itself (the mirror retries it forever). */
export function isTransientDatabaseError(error: unknown): boolean {
  if (error instanceof SpacelogError) return error.retriable;
  if (error instanceof Error && error.name === 'MirrorRewind') return false;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return !PERMANENT_CLASSES.has(code.slice(0, 2));
  return true;
}

/**
 * Runs `attempt` until it succeeds, waiting a capped exponential backoff (with equal jitter) between
 * transient failures; a permanent failure is rethrown at once. Never gives up on its own: an outage
 * must not make the mirror skip anything (docs/design.md law 6). `signal` ends the wait with MirrorStoppedError.
 */
export async function retryDatabase<T>(
  attempt: () => Promise<T>,
  options: {
    readonly policy?: RetryPolicy;
    readonly signal?: AbortSignal;
    readonly onRetry?: RetryListener;
    /** Called after each wait (e.g. a Kafka heartbeat), even one cut short by `signal`; its failures are ignored. */
    readonly whileWaiting?: () => Promise<void>;
  } = {},
): Promise<T> {
  const stopped = (): MirrorStoppedError => new MirrorStoppedError('mirror stopped while retrying');
  if (options.signal?.aborted === true) throw stopped();
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const backoff: Backoff = {
    initialMs: policy.initialMs,
    maxMs: policy.maxMs,
    multiplier: 2,
    jitter: 'equal',
  };
  return retry(() => attempt(), {
    // The exponent stops growing at 30 (2^30 × initialMs), as it always has.
    delay: (failures) => backoffMs(backoff, Math.min(failures, 31)),
    retriable: isTransientDatabaseError,
    exhausted: 'last', // never: no deadline, no attempt limit
    signal: options.signal,
    abortError: stopped,
    onRetry: options.onRetry,
    afterWait: options.whileWaiting,
  });
}
