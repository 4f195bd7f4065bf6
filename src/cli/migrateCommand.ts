import { Command, InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import type { Knex } from 'knex';
import { makeMirrorMigration } from '../mirror/makeMirrorMigration';
import { DEFAULT_MIRROR_SCHEMA } from '../mirror/MirrorConfig';
import { openDatabase } from '../mirror/openMirrorDatabase';
import { migrateLatest } from '../mirror/SpacelogMigrations';
import { SchemaLoader } from '../schema/SchemaLoader';
import { resolveDatabaseArgument } from './cliOptions';
import { ensureDatabaseReachable } from './reachability';
import { usageError } from './usageErrors';

/** Options of `spacelog migrate`, as commander hands them over. */
interface MigrateCommandOptions {
  readonly dir: string;
  readonly schemas?: string;
  readonly space?: string;
  readonly database?: string;
  readonly pgSchema: string;
  readonly history?: boolean;
}

/** Where generated mirror migrations go by default (relative to the current folder). */
export const DEFAULT_MIGRATIONS_DIR = 'migrations-mirror';

/**
 * Registers `spacelog migrate [--dir D]` (applies Spacelog's own migrations and the generated ones,
 * under knex's ledger and lock) and `spacelog migrate make --schemas DIR --space S [--dir D]` (writes
 * the migration that brings the mirror tables of a space to its entry types).
 */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description("apply the mirror's migrations, or write a new one from the schemas (migrate make)")
    .argument('[action]', "'make' to generate a migration instead of applying them", (value: string) => {
      if (value !== 'make') throw new CommanderInvalidArgument("the only action is 'make'");
      return value;
    })
    .option('--dir <dir>', 'folder of the generated migrations', DEFAULT_MIGRATIONS_DIR)
    .option('--schemas <dir>', 'make: folder of the .avsc entry types')
    .option('--space <name>', 'make: space name')
    .option(
      '--database <url>',
      'PostgreSQL URL without a password (default: SPACELOG_DATABASE_URL; password: SPACELOG_DATABASE_PASSWORD_FILE or PGPASSWORD)',
    )
    .option('--pg-schema <name>', 'PostgreSQL schema of the mirror', DEFAULT_MIRROR_SCHEMA)
    .option('--history', 'make: also the append-only <space>_history table (mirror --history)')
    .action(async (action: string | undefined, options: MigrateCommandOptions, command: Command) => {
      const { schemas, space } = options;
      if (action === 'make' && (schemas === undefined || space === undefined)) {
        usageError(command, 'migrate make needs --schemas <dir> and --space <name>');
      }
      const database = resolveDatabaseArgument(command, options.database);
      await ensureDatabaseReachable(database);
      const knex = openDatabase(database, { max: 2 });
      try {
        if (action === 'make') await make(knex, options, schemas!, space!);
        else {
          const applied = await migrateLatest({ knex, schema: options.pgSchema, directories: [options.dir] });
          process.stdout.write(
            applied.length === 0 ? 'already up to date\n' : `applied ${applied.join(', ')}\n`,
          );
        }
      } finally {
        await knex.destroy();
      }
    });
}

async function make(
  knex: Knex,
  options: MigrateCommandOptions,
  schemas: string,
  space: string,
): Promise<void> {
  const { file, plan } = await makeMirrorMigration({
    knex,
    schema: options.pgSchema,
    space,
    types: SchemaLoader.loadFolder(schemas),
    directory: options.dir,
    ...(options.history === true ? { history: true } : {}),
  });
  if (file === undefined) {
    process.stdout.write(`mirror tables of space ${space} already match the schemas\n`);
    return;
  }
  process.stdout.write(`wrote ${file}\n${plan.changes.map((c) => `  - ${c}`).join('\n')}\n`);
}
