import knexFactory, { type Knex } from 'knex';
import type { DatabaseSpec } from './DatabaseOptions';
import { pgConnectionOf, resolveDatabaseConfig, type DatabaseConfig } from './resolveDatabaseConfig';

/** How {@link openDatabase} sizes and names its pool. @internal */
export interface DatabasePoolOptions {
  /** Most connections at once. */
  readonly max: number;
  /** How long a query waits for a connection; default 10 s. */
  readonly acquireTimeoutMs?: number;
}

/**
 * The one place Spacelog opens a PostgreSQL pool of its own (the mirror, the CLI): from a URL,
 * {@link DatabaseOptions} or an already resolved config, with the password and TLS settings the
 * environment adds (docs/security.md). Resolution errors (a missing password file) are thrown here,
 * before anything connects.
 * @internal
 */
export function openDatabase(
  spec: DatabaseSpec | DatabaseConfig | undefined,
  pool: DatabasePoolOptions,
): Knex {
  const config = isResolved(spec) ? spec : resolveDatabaseConfig(spec);
  return knexFactory({
    client: 'pg',
    // A function: knex then hands node-postgres what it returns as it is (a static config it deep-copies,
    // dropping the non-enumerable secrets), and asks again only if the pool is recreated.
    connection: () => pgConnectionOf(config),
    pool: { min: 0, max: pool.max },
    acquireConnectionTimeout: pool.acquireTimeoutMs ?? 10_000,
    // Outages are reported once, through onRetry and lag(), not by knex on every failed connect.
    log: { warn: ignore, error: ignore, deprecate: ignore, debug: ignore },
  });
}

function isResolved(spec: DatabaseSpec | DatabaseConfig | undefined): spec is DatabaseConfig {
  return typeof spec === 'object' && 'params' in spec;
}

/**
 * The connection pool a projector opens for itself when `MirrorOptions.database` is not a knex
 * instance: room for `concurrency` batches at once and two connections more.
 * @internal
 */
export function openMirrorDatabase(spec: DatabaseSpec | DatabaseConfig, concurrency: number): Knex {
  return openDatabase(spec, { max: concurrency + 2 });
}

function ignore(): void {
  // deliberately silent
}
