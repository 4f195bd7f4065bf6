import knex, { Knex } from 'knex';
import { testDatabaseUrl } from './endpoints';
import { uniqueName } from './uniqueName';

/** A knex bound to a PostgreSQL schema of its own, created for one test and dropped by `close()`. */
export interface TestDatabase {
  /** Queries and migrations run in {@link schema} (it is the connection's search_path). */
  readonly knex: Knex;
  /** e.g. `t_mirror_1a2b3c4d`. */
  readonly schema: string;
  readonly url: string;
  /** Drops the schema (cascade) and destroys the pool. Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates a fresh schema on the test PostgreSQL (or on `url`, e.g. a private instance) and returns a
 * knex whose search_path is that schema.
 */
export async function openTestDatabase(
  label = 'test',
  url: string = testDatabaseUrl(),
): Promise<TestDatabase> {
  const schema = uniqueName(`t_${label}`, '_')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const admin = knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  try {
    await admin.raw('create schema ??', [schema]);
  } finally {
    await admin.destroy();
  }
  const db = knex({ client: 'pg', connection: url, searchPath: [schema], pool: { min: 0, max: 4 } });
  let closed = false;
  return {
    knex: db,
    schema,
    url,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        await db.raw('drop schema if exists ?? cascade', [schema]);
      } finally {
        await db.destroy();
      }
    },
  };
}
