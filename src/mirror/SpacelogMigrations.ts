import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { InvalidArgumentError } from '../errors';
import { packageRoot } from '../packageRoot';
import { quoteIdent } from './naming';

/** The ledger table of knex's migrator (its lock table is `<name>_lock`). */
export const MIGRATIONS_TABLE = 'spacelog_migrations';

/** Spacelog's own migrations (its bookkeeping tables), shipped in the package. */
export function coreMigrationsFolder(): string {
  return path.join(packageRoot(__dirname), 'migrations');
}

/** Where migrations run. */
export interface MigrationTarget {
  readonly knex: Knex;
  /** PostgreSQL schema of the mirror: holds the ledger, Spacelog's tables and the mirror tables. */
  readonly schema: string;
  /** Folders of generated mirror migrations (`spacelog migrate make --dir`), applied after the core ones. */
  readonly directories?: readonly string[];
}

interface MigrationFile {
  readonly folder: string;
  readonly name: string;
}

/**
 * Applies every pending migration, Spacelog's own first, then the generated ones, in name order,
 * each in its own transaction, recorded in knex's ledger `spacelog_migrations` under knex's lock
 * (a second migrator waits, it never applies the same file twice). Creates the schema if needed.
 * Returns the names applied.
 */
export async function migrateLatest(target: MigrationTarget): Promise<string[]> {
  await target.knex.raw(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}`);
  const [, applied] = (await target.knex.migrate.latest(migratorConfig(target))) as [number, string[]];
  return applied;
}

/** Migrations found in the folders that the ledger does not list yet. */
export async function pendingMigrations(target: MigrationTarget): Promise<string[]> {
  await target.knex.raw(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}`);
  const [, pending] = (await target.knex.migrate.list(migratorConfig(target))) as [
    unknown[],
    MigrationFile[],
  ];
  return pending.map((m) => m.name);
}

function migratorConfig(target: MigrationTarget): Knex.MigratorConfig {
  const folders = [coreMigrationsFolder(), ...(target.directories ?? [])].map((f) => path.resolve(f));
  return {
    tableName: MIGRATIONS_TABLE,
    schemaName: target.schema,
    // The projector applies only the core folder; the ledger also lists generated files it was not given.
    disableMigrationsListValidation: true,
    migrationSource: new FolderMigrationSource(folders, target.schema) as Knex.MigrationSource<unknown>,
  };
}

/**
 * Lists `.js` migrations of several folders in one name order and runs each with
 * `SET LOCAL search_path` to the mirror schema, so migration files use unqualified names and one
 * set of files serves any schema.
 */
class FolderMigrationSource implements Knex.MigrationSource<MigrationFile> {
  constructor(
    private readonly folders: readonly string[],
    private readonly schema: string,
  ) {}

  getMigrations(): Promise<MigrationFile[]> {
    const files: MigrationFile[] = [];
    const names = new Map<string, string>();
    for (const folder of this.folders) {
      if (!existsSync(folder)) continue;
      for (const name of readdirSync(folder)) {
        if (!name.endsWith('.js')) continue;
        const other = names.get(name);
        if (other !== undefined && other !== folder) {
          throw new InvalidArgumentError(`migration ${name} is in both ${other} and ${folder}`);
        }
        names.set(name, folder);
        files.push({ folder, name });
      }
    }
    return Promise.resolve(files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  }

  getMigrationName(migration: MigrationFile): string {
    return migration.name;
  }

  getMigration(migration: MigrationFile): Promise<Knex.Migration> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(path.join(migration.folder, migration.name)) as Knex.Migration;
    const inSchema =
      (step: ((knex: Knex) => PromiseLike<unknown>) | undefined) =>
      async (knex: Knex): Promise<unknown> => {
        await knex.raw(`SET LOCAL search_path TO ${quoteIdent(this.schema)}`);
        return step?.(knex);
      };
    return Promise.resolve({ up: inSchema(loaded.up), down: inSchema(loaded.down) });
  }
}
