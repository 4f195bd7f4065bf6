import { META_COLUMNS, type ColumnMapping, type TableMapping } from './TableMapping';
import { fitIdentifier, historyTableOf, quoteIdent, quoteLiteral } from './naming';

/**
 * DDL for mirror tables, as the migration generator writes it. Table names are unqualified: a
 * migration runs with search_path set to the mirror's schema (see SpacelogMigrations).
 */

/** `CREATE TABLE` with every column, the primary key and the enum CHECKs. */
export function createTableSql(m: TableMapping): string {
  const lines = [
    ...m.columns.map((c) => `  ${columnSql(c, c === m.idColumn || !c.nullable)}`),
    ...META_COLUMNS.map((c) => `  ${metaColumnSql(c)}`),
    `  CONSTRAINT ${quoteIdent(fitIdentifier(`${m.table}_pkey`))} PRIMARY KEY (${quoteIdent(m.idColumn.name)})`,
    ...m.columns.filter((c) => c.symbols !== undefined).map((c) => `  ${enumCheckSql(m, c)}`),
  ];
  return `CREATE TABLE ${quoteIdent(m.table)} (\n${lines.join(',\n')}\n)`;
}

/**
 * `ALTER TABLE ... ADD COLUMN` for a field new to the schema. Existing rows get the field's Avro default
 * (NULL for an optional field), which is what the log's fold gives them too: old records are read with
 * the new schema.
 */
export function addColumnSql(m: TableMapping, c: ColumnMapping): string {
  const fallback = c.defaultSql === undefined ? '' : ` DEFAULT ${c.defaultSql}`;
  const notNull = !c.nullable && c.defaultSql !== undefined;
  const check = c.symbols === undefined ? '' : `, ADD ${enumCheckSql(m, c)}`;
  return `ALTER TABLE ${quoteIdent(m.table)} ADD COLUMN ${columnSql(c, notNull)}${fallback}${check}`;
}

/** Replaces the enum CHECK of a column whose symbols changed. */
export function replaceEnumCheckSql(m: TableMapping, c: ColumnMapping): string {
  return (
    `ALTER TABLE ${quoteIdent(m.table)} DROP CONSTRAINT IF EXISTS ${quoteIdent(enumCheckName(m, c))}, ` +
    `ADD ${enumCheckSql(m, c)}`
  );
}

/**
 * The append-only history of a space: every mutation the mirror applies (not coalesced), keyed by
 * its log position, with the entry's full state as jsonb (null for TAKE / EXPIRE).
 */
export function createHistoryTableSql(space: string): string[] {
  const table = historyTableOf(space);
  return [
    `CREATE TABLE ${quoteIdent(table)} (\n` +
      [
        '  "partition" integer NOT NULL',
        '  "offset" bigint NOT NULL',
        '  "op" text NOT NULL',
        '  "type" text NOT NULL',
        '  "id" text NOT NULL',
        '  "version" bigint NOT NULL',
        '  "timestamp" timestamp with time zone NOT NULL',
        '  "lease_expires_at" timestamp with time zone',
        '  "origin" text NOT NULL',
        '  "state" jsonb',
        `  CONSTRAINT ${quoteIdent(fitIdentifier(`${table}_pkey`))} PRIMARY KEY ("partition", "offset")`,
      ].join(',\n') +
      '\n)',
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(fitIdentifier(`${table}_type_id`))} ON ${quoteIdent(table)} ("type", "id")`,
  ];
}

/** `ALTER TABLE ... ADD COLUMN` for a bookkeeping column a table made by an older Spacelog lacks. */
export function addMetaColumnSql(m: TableMapping, c: (typeof META_COLUMNS)[number]): string {
  // Only nullable bookkeeping columns are ever added later: existing rows get null (unknown).
  return `ALTER TABLE ${quoteIdent(m.table)} ADD COLUMN ${metaColumnSql(c)}`;
}

/** The index on `_partition` a warm-up from the mirror reads a partition's rows through. */
export function partitionIndexSql(m: TableMapping): string {
  return (
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(partitionIndexName(m))} ON ${quoteIdent(m.table)} ` +
    '("_partition")'
  );
}

/** Name of {@link partitionIndexSql}'s index. */
export function partitionIndexName(m: TableMapping): string {
  return fitIdentifier(`${m.table}__partition`);
}

/** One `CREATE INDEX IF NOT EXISTS` per Spacelog index. */
export function createIndexSql(m: TableMapping): string[] {
  return m.indexes.map(
    (index) =>
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(index.name)} ON ${quoteIdent(m.table)} ` +
      `(${index.elements.join(', ')})`,
  );
}

/** Records the mapping in `spacelog_types` (what the next `migrate make` compares with). */
export function recordTypeSql(m: TableMapping): string {
  const columns = JSON.stringify(m.columns);
  return (
    'INSERT INTO spacelog_types (space, type, fingerprint, table_name, columns, updated_at) VALUES ' +
    `(${[m.space, m.typeName, m.fingerprint, m.table].map(quoteLiteral).join(', ')}, ` +
    `${quoteLiteral(columns)}::jsonb, now()) ON CONFLICT (space, type) DO UPDATE SET ` +
    'fingerprint = excluded.fingerprint, table_name = excluded.table_name, columns = excluded.columns, ' +
    'updated_at = excluded.updated_at'
  );
}

function metaColumnSql(c: (typeof META_COLUMNS)[number]): string {
  return `${quoteIdent(c.name)} ${c.sqlType}${c.nullable ? '' : ' NOT NULL'}`;
}

function columnSql(c: ColumnMapping, notNull: boolean): string {
  return `${quoteIdent(c.name)} ${c.sqlType}${notNull ? ' NOT NULL' : ''}`;
}

function enumCheckName(m: TableMapping, c: ColumnMapping): string {
  return fitIdentifier(`${m.table}_${c.name}_enum`);
}

function enumCheckSql(m: TableMapping, c: ColumnMapping): string {
  const symbols = (c.symbols ?? []).map(quoteLiteral).join(', ');
  return `CONSTRAINT ${quoteIdent(enumCheckName(m, c))} CHECK (${quoteIdent(c.name)} IN (${symbols}))`;
}
