import type { Knex } from 'knex';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { planMigration } from './MigrationPlanner';
import { quoteIdent } from './naming';
import { migrateLatest } from './SpacelogMigrations';

/** What {@link createMirrorTables} brings up to date. */
export interface CreateTablesOptions {
  readonly knex: Knex;
  readonly schema: string;
  readonly space: string;
  readonly types: TypeRegistry;
  readonly history?: boolean;
}

/**
 * Brings the mirror tables of a space to its entry types in place, without migration files: Spacelog's
 * own migrations, then the statements `spacelog migrate make` would write, run in one transaction
 * under an advisory lock (two processes starting at once plan one after the other). For demos, tests
 * and development; production keeps reviewed migration files (`spacelog migrate make`). Returns the
 * changes made (empty when the tables already fit). A column type change is refused as in `migrate make`.
 */
export async function createMirrorTables(options: CreateTablesOptions): Promise<readonly string[]> {
  await migrateLatest({ knex: options.knex, schema: options.schema });
  return options.knex.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`spacelog.tables.${options.schema}`]);
    const plan = await planMigration(trx, options);
    if (plan.up.length === 0) return [];
    await trx.raw(`SET LOCAL search_path TO ${quoteIdent(options.schema)}`);
    for (const statement of plan.up) await trx.raw(statement);
    return plan.changes;
  });
}
