import { optionKeys, rejectNonBoolean, rejectUnknownKeys } from '../config/optionKeys';
import { InvalidArgumentError } from '../errors';

/**
 * The `http` option of a grid or unit: where its HTTP endpoint listens (`/metrics`, `/healthz`,
 * `/readyz`, and the web console's pages). Off unless given.
 */
export interface HttpOptions {
  /** Interface to bind; default 127.0.0.1. A non-loopback address needs the unit's `security.tls` (or `security.insecure`). */
  readonly host?: string;
  /** Port; default 9464 (Prometheus exporters' customary port); 0 picks a free one. */
  readonly port?: number;
  /**
   * Serve the web console at `/console` (it shows entries and answers read-only queries); default
   * true. `false` keeps the endpoint to `/metrics`, `/healthz` and `/readyz`.
   */
  readonly console?: boolean;
}

export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_HTTP_PORT = 9464;

const KNOWN_KEYS = optionKeys<HttpOptions>({ host: true, port: true, console: true });

/** Checks an `http` option (unknown keys, a bad port) before anything starts. @internal */
export function checkHttpOptions(http: unknown, key = 'http'): void {
  if (http === undefined) return;
  if (http === null || typeof http !== 'object' || Array.isArray(http)) {
    throw new InvalidArgumentError(`${key} must be an object { host, port, console }`);
  }
  rejectUnknownKeys(http, KNOWN_KEYS, (name) => new InvalidArgumentError(`unknown ${key} option '${name}'`));
  const { host, port, console } = http as HttpOptions;
  rejectNonBoolean(console, `${key}.console`, (message) => new InvalidArgumentError(message));
  if (host !== undefined && (typeof host !== 'string' || host.length === 0)) {
    throw new InvalidArgumentError(`${key}.host must be a non-empty string`);
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new InvalidArgumentError(`${key}.port must be an integer 0..65535, got ${String(port)}`);
  }
}
