import knexFactory, { type Knex } from 'knex';

/**
 * The connection pool a projector opens for itself when `MirrorOptions.database` is a URL: room for
 * `concurrency` batches at once and two connections more.
 * @internal
 */
export function openMirrorDatabase(url: string, concurrency: number): Knex {
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: concurrency + 2 },
    acquireConnectionTimeout: 10_000,
    // Outages are reported once, through onRetry and lag(), not by knex on every failed connect.
    log: { warn: ignore, error: ignore, deprecate: ignore, debug: ignore },
  });
}

function ignore(): void {
  // deliberately silent
}
