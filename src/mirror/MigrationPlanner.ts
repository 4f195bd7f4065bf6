import type { Knex } from 'knex';
import { MirrorSchemaMismatchError } from '../errors';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { DatabaseLayout } from './DatabaseLayout';
import {
  addColumnSql,
  createHistoryTableSql,
  addMetaColumnSql,
  createIndexSql,
  createTableSql,
  partitionIndexName,
  partitionIndexSql,
  recordTypeSql,
  replaceEnumCheckSql,
} from './ddl';
import { mapEntryType, META_COLUMNS } from './TableMapping';
import { historyTableOf, quoteIdent } from './naming';

/** The statements a migration runs, and their reverse. */
export interface MigrationPlan {
  readonly space: string;
  /** Run in order by `up`. */
  readonly up: readonly string[];
  /** Run in order by `down`. */
  readonly down: readonly string[];
  /** One human line per change (`create table orders_order`, `add column orders_order.priority`). */
  readonly changes: readonly string[];
}

/**
 * Compares the entry types of a space with what the mirror schema holds (information_schema,
 * pg_indexes, spacelog_types) and plans the migration: a new type creates its table and indexes, a
 * new field adds its column (existing rows get the Avro default), new enum symbols widen the CHECK,
 * new Spacelog indexes are created. A changed column type cannot be migrated automatically:
 * MirrorSchemaMismatchError says so (write that migration by hand).
 */
export async function planMigration(
  knex: Knex,
  options: {
    readonly space: string;
    readonly schema: string;
    readonly types: TypeRegistry;
    /** Also the append-only `<space>_history` table (mirror option `history: true`). */
    readonly history?: boolean;
  },
): Promise<MigrationPlan> {
  const layout = new DatabaseLayout(knex, options.schema);
  const recorded = await layout.recordedTypes(options.space);
  const up: string[] = [];
  const down: string[] = [];
  const changes: string[] = [];
  for (const type of options.types) {
    const m = mapEntryType(options.space, type, options.schema);
    const existing = await layout.columns(m.table);
    const before = up.length;
    if (existing.size === 0) {
      up.push(createTableSql(m), partitionIndexSql(m), ...createIndexSql(m));
      down.unshift(`DROP TABLE IF EXISTS ${quoteIdent(m.table)}`);
      changes.push(`create table ${m.table}`);
    } else {
      const previous = recorded.get(m.typeName);
      for (const column of m.columns) {
        const found = existing.get(column.name);
        if (found === undefined) {
          up.push(addColumnSql(m, column));
          down.unshift(`ALTER TABLE ${quoteIdent(m.table)} DROP COLUMN IF EXISTS ${quoteIdent(column.name)}`);
          changes.push(`add column ${m.table}.${column.name}`);
          continue;
        }
        if (found.dataType !== column.sqlType) {
          throw new MirrorSchemaMismatchError(
            `column ${column.name} of ${m.table} is ${found.dataType}, the schema needs ${column.sqlType}: ` +
              'a type change cannot be generated, write that migration by hand',
            `${m.schema}.${m.table}`,
            column.name,
            { space: m.space, type: m.typeName },
          );
        }
        if (column.nullable && !found.nullable) {
          up.push(`ALTER TABLE ${quoteIdent(m.table)} ALTER COLUMN ${quoteIdent(column.name)} DROP NOT NULL`);
          changes.push(`allow null in ${m.table}.${column.name}`);
        }
        const symbolsBefore = previous?.columns.find((c) => c.name === column.name)?.symbols;
        if (column.symbols !== undefined && symbolsBefore?.join('\u0000') !== column.symbols.join('\u0000')) {
          up.push(replaceEnumCheckSql(m, column));
          changes.push(`enum check of ${m.table}.${column.name}: ${column.symbols.join(', ')}`);
        }
      }
      for (const meta of META_COLUMNS) {
        if (existing.has(meta.name) || !meta.nullable) continue;
        up.push(addMetaColumnSql(m, meta));
        down.unshift(`ALTER TABLE ${quoteIdent(m.table)} DROP COLUMN IF EXISTS ${quoteIdent(meta.name)}`);
        changes.push(`add column ${m.table}.${meta.name}`);
      }
      const indexes = await layout.indexes(m.table);
      if (!indexes.has(partitionIndexName(m))) {
        up.push(partitionIndexSql(m));
        down.unshift(`DROP INDEX IF EXISTS ${quoteIdent(partitionIndexName(m))}`);
        changes.push(`create index ${partitionIndexName(m)}`);
      }
      const fresh = m.indexes.filter((index) => !indexes.has(index.name));
      up.push(...createIndexSql({ ...m, indexes: fresh }));
      for (const index of fresh) {
        down.unshift(`DROP INDEX IF EXISTS ${quoteIdent(index.name)}`);
        changes.push(`create index ${index.name}`);
      }
      if (up.length === before && previous?.fingerprint === m.fingerprint) continue;
    }
    up.push(recordTypeSql(m));
    if (up.length - before === 1) changes.push(`record schema ${m.fingerprint} of ${m.typeName}`);
  }
  if (options.history === true) {
    const table = historyTableOf(options.space);
    if ((await layout.columns(table)).size === 0) {
      up.push(...createHistoryTableSql(options.space));
      down.unshift(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
      changes.push(`create table ${table}`);
    }
  }
  return { space: options.space, up, down, changes };
}
