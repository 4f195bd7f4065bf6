import type { Knex } from 'knex';
import { InvalidArgumentError } from '../errors';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { planMigration, type MigrationPlan } from './MigrationPlanner';
import { migrateLatest, pendingMigrations } from './SpacelogMigrations';
import { writeMigrationFile } from './writeMigrationFile';

/** What `spacelog migrate make` needs. */
export interface MakeMigrationOptions {
  readonly knex: Knex;
  /** PostgreSQL schema of the mirror. */
  readonly schema: string;
  readonly space: string;
  readonly types: TypeRegistry;
  /** Folder of the generated migrations. */
  readonly directory: string;
  /** Also the append-only `<space>_history` table. */
  readonly history?: boolean;
}

/**
 * Writes the migration that brings the mirror tables of a space to its entry types, or nothing when
 * they match (returns the file and the plan). Spacelog's own tables are migrated first, since the
 * comparison reads `spacelog_types`. Refuses while migrations of `directory` are pending: the
 * comparison would not see them and the new file would repeat them.
 */
export async function makeMirrorMigration(
  options: MakeMigrationOptions,
): Promise<{ readonly file: string | undefined; readonly plan: MigrationPlan }> {
  await migrateLatest({ knex: options.knex, schema: options.schema });
  const target = { knex: options.knex, schema: options.schema, directories: [options.directory] };
  const pending = await pendingMigrations(target);
  if (pending.length > 0) {
    throw new InvalidArgumentError(
      `migrations not applied yet: ${pending.join(', ')}: run \`spacelog migrate\` before making a new one`,
    );
  }
  const plan = await planMigration(options.knex, options);
  const file = plan.up.length === 0 ? undefined : writeMigrationFile(options.directory, plan);
  return { file, plan };
}
