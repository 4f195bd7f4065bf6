import {
  optionKeys,
  rejectBadNumbers,
  rejectNonBoolean,
  rejectNonObject,
  rejectUnknownKeys,
  type NumberRules,
} from '../config/optionKeys';
import { InvalidArgumentError } from '../errors';
import { DEFAULT_MAX_FRAME_BYTES } from '../net/protocol';
import {
  CLIENT_TLS_KEYS,
  resolveClientSecurity,
  type ClientCredentials,
  type ClientSecurity,
  type ClientTlsOptions,
} from '../net/security/ClientSecurity';
import { resolveLogger } from '../ops/logging/createLogger';
import type { ListenerErrorHandler } from '../ops/logging/listenerErrors';
import type { SpacelogLogger } from '../ops/logging/SpacelogLogger';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './RetryPolicy';
import { withDefaults } from '../config/withDefaults';

/** What `Spacelog.connect` takes. Only `bootstrap` and `space` are required. */
export interface ConnectOptions {
  /** Servers to ask for the space description, `host:port`, tried in order. */
  readonly bootstrap: readonly string[];
  /** The space to use; the server must serve a space of that name. */
  readonly space: string;
  /**
   * Client-side limit of an operation, retries included; default 30,000 ms. A blocking read / take
   * gets it on top of its own timeout.
   */
  readonly requestTimeout?: number;
  /**
   * Least extra time a blocking read / take waits for its answer beyond its own timeout, also when a
   * call's `requestTimeout` is smaller; default 5000 ms. The server ends the wait at the timeout, so
   * its answer (null, or what a write handed over) arrives before the client gives up.
   */
  readonly blockingMargin?: number;
  /**
   * How long a take or takeMultiple that timed out on the client or was aborted waits for the
   * server's answer to its cancel, ms; default 20,000 (the log's 15 s transaction timeout, within
   * which a claimed TAKE's append ends one way or the other, and 5 s more). The server may have taken
   * entries for it before the cancel arrived: they are then returned, not thrown away (docs/space-api.md,
   * "Semantics").
   */
  readonly cancelGrace?: number;
  /** Limit of opening one TCP connection; default 5000 ms. */
  readonly connectTimeout?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Largest frame accepted from the server; default 16 MiB. */
  readonly maxFrameBytes?: number;
  /**
   * While subscriptions are open, the partition map is asked again at least this often, ms; default
   * 30,000 (Infinity: never). Operations refresh it whenever a server says it is not a partition's
   * primary or cannot be reached, but a subscription hears no such answer when its partition moves.
   */
  readonly partitionMapMaxAge?: number;
  /** TLS to the servers (docs/security.md): CA, optional client certificate for mutual TLS. */
  readonly tls?: ClientTlsOptions;
  /** User name and password, sent once per connection in its AUTH first request; needs `tls`. */
  readonly credentials?: ClientCredentials;
  /**
   * Where the client logs (pino or anything shaped like it): errors thrown by subscription
   * listeners. Default: pino on standard error at `SPACELOG_LOG_LEVEL`, else `warn`.
   */
  readonly logger?: SpacelogLogger;
  /** Told of every error a subscription listener throws (logged in any case; the listener keeps listening). */
  readonly onListenerError?: ListenerErrorHandler;
  /**
   * Counting for `metrics()` (calls, errors, latency per type and operation): on by default; `false`
   * turns it off (the figures then stay at zero), as a grid's `metrics` option does.
   */
  readonly metrics?: boolean;
}

/** Per-call controls every RemoteSpace method accepts besides the Space options. */
export interface RemoteCallOptions {
  readonly signal?: AbortSignal;
  /**
   * Overrides `requestTimeout` for this call (blocking calls: `timeout + max(requestTimeout,
   * blockingMargin)`).
   */
  readonly requestTimeout?: number;
}

/** @internal */
export interface ResolvedConnectOptions {
  readonly bootstrap: readonly string[];
  readonly space: string;
  readonly requestTimeout: number;
  readonly blockingMargin: number;
  readonly cancelGrace: number;
  readonly connectTimeout: number;
  readonly retry: RetryPolicy;
  readonly maxFrameBytes: number;
  readonly partitionMapMaxAge: number;
  readonly security: ClientSecurity | undefined;
  /** The client's logger, bound to the space. */
  readonly logger: SpacelogLogger;
  readonly onListenerError: ListenerErrorHandler | undefined;
  readonly metrics: boolean;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_PARTITION_MAP_MAX_AGE_MS = 30_000;
export const DEFAULT_BLOCKING_MARGIN_MS = 5000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** Kafka transaction timeout of the log (DEFAULT_TRANSACTION_TIMEOUT_MS, 15 s) plus 5 s. */
export const DEFAULT_CANCEL_GRACE_MS = 20_000;

const KNOWN_KEYS = optionKeys<ConnectOptions>({
  bootstrap: true,
  space: true,
  requestTimeout: true,
  blockingMargin: true,
  cancelGrace: true,
  connectTimeout: true,
  retry: true,
  maxFrameBytes: true,
  partitionMapMaxAge: true,
  tls: true,
  credentials: true,
  logger: true,
  onListenerError: true,
  metrics: true,
});
const RETRY_KEYS = optionKeys<RetryPolicy>({ initialBackoffMs: true, maxBackoffMs: true, multiplier: true });
/**
 * Waits of 0 are fine (the retry follows at once). A NaN or infinite wait would end as a 1 ms timer
 * (Node's rule for a delay it cannot take), and a multiplier under 1 would shrink the backoff.
 */
const RETRY_RULES: NumberRules<RetryPolicy> = {
  initialBackoffMs: { integer: false, min: 0 },
  maxBackoffMs: { integer: false, min: 0 },
  multiplier: { integer: false, min: 1 },
};
const CREDENTIALS_KEYS = optionKeys<ClientCredentials>({ username: true, password: true });

/** Applies defaults; rejects unknown keys and bad values before anything connects. @internal */
export function resolveConnectOptions(options: ConnectOptions): ResolvedConnectOptions {
  const refuse = (message: string): InvalidArgumentError => new InvalidArgumentError(message);
  rejectNonObject(options, 'connect options', refuse);
  rejectUnknownKeys(options, KNOWN_KEYS, (key) => refuse(`unknown connect option '${key}'`));
  for (const [key, known] of [
    ['retry', RETRY_KEYS],
    ['tls', CLIENT_TLS_KEYS],
    ['credentials', CREDENTIALS_KEYS],
  ] as const) {
    rejectNonObject(options[key], key, refuse);
    rejectUnknownKeys(options[key] ?? {}, known, (name) => refuse(`unknown connect ${key} option '${name}'`));
  }
  rejectBadNumbers(options.retry, 'retry', RETRY_RULES, refuse);
  if (!Array.isArray(options.bootstrap) || options.bootstrap.length === 0) {
    throw new InvalidArgumentError('connect needs { bootstrap: ["host:port", ...] }');
  }
  if (typeof options.space !== 'string' || options.space === '') {
    throw new InvalidArgumentError('connect needs { space: name }');
  }
  const resolved = {
    bootstrap: [...options.bootstrap],
    space: options.space,
    requestTimeout: options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
    blockingMargin: options.blockingMargin ?? DEFAULT_BLOCKING_MARGIN_MS,
    cancelGrace: options.cancelGrace ?? DEFAULT_CANCEL_GRACE_MS,
    connectTimeout: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
    retry: withDefaults(DEFAULT_RETRY_POLICY, options.retry),
    maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    partitionMapMaxAge: options.partitionMapMaxAge ?? DEFAULT_PARTITION_MAP_MAX_AGE_MS,
    security: resolveClientSecurity(options.tls, options.credentials),
    logger: resolveLogger(options.logger).child({ component: 'client', space: options.space }),
    onListenerError: options.onListenerError,
    metrics: options.metrics ?? true,
  };
  // The resolved value: a null `metrics` has always meant the default here.
  rejectNonBoolean(resolved.metrics, 'metrics', refuse);
  for (const key of [
    'requestTimeout',
    'blockingMargin',
    'cancelGrace',
    'connectTimeout',
    'maxFrameBytes',
    'partitionMapMaxAge',
  ] as const) {
    const value = resolved[key];
    const allowed = Number.isFinite(value) || (key === 'partitionMapMaxAge' && value === Infinity);
    if (!allowed || value <= 0) {
      throw new InvalidArgumentError(`${key} must be a positive number, got ${String(value)}`);
    }
  }
  return resolved;
}
