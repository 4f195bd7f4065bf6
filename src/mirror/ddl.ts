import { META_COLUMNS, type ColumnMapping, type TableMapping } from './TableMapping';
import { fitIdentifier, quoteIdent, quoteLiteral } from './naming';

/**
 * DDL for mirror tables, as the migration generator writes it. Table names are unqualified: a
 * migration runs with search_path set to the mirror's schema (see SpacelogMigrations).
 */

/** `CREATE TABLE` with every column, the primary key and the enum CHECKs. */
export function createTableSql(m: TableMapping): string {
  const lines = [
    ...m.columns.map((c) => `  ${columnSql(c, c === m.idColumn || !c.nullable)}`),
    ...META_COLUMNS.map((c) => `  ${quoteIdent(c.name)} ${c.sqlType} NOT NULL`),
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
