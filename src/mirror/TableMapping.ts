import type * as avro from 'avsc';
import { SchemaDefinitionError } from '../errors';
import { schemaFingerprint } from '../log/codec/mutationEnvelope';
import type { EntryType } from '../schema/EntryType';
import { avroColumnType, SQL_TYPES, type ValueKind } from './avroColumn';
import { fitIdentifier, qualified, quoteIdent, quoteLiteral, snakeCase, tableNameOf } from './naming';
import { toSqlLiteral, ValueMappingError } from './sqlValues';

/** One column of a mirror table that holds a top-level field of the entry type. */
export interface ColumnMapping {
  /** Column name, snake case (`customer_id`). */
  readonly name: string;
  /** The Avro field it holds (`customerId`). */
  readonly field: string;
  readonly kind: ValueKind;
  /** PostgreSQL type as `information_schema.columns.data_type` spells it (`timestamp with time zone`). */
  readonly sqlType: string;
  readonly nullable: boolean;
  /** Enum symbols, checked by a CHECK constraint. */
  readonly symbols?: readonly string[];
  /** SQL literal of the field's Avro default (what existing rows get when the column is added). */
  readonly defaultSql?: string;
}

/** A PostgreSQL index mirroring a Spacelog index. */
export interface IndexMapping {
  readonly name: string;
  /** Index elements: a quoted column, or a parenthesised jsonb path expression for a nested field. */
  readonly elements: readonly string[];
}

/**
 * Bookkeeping columns every mirror table has, after the entry's own: the entry's version, where its
 * last change sits in the log, when it was made, and its lease expiry (null: lives forever), which a
 * warm-up from the mirror needs to rebuild the entry exactly.
 */
export const META_COLUMNS: readonly {
  readonly name: string;
  readonly sqlType: string;
  readonly nullable: boolean;
}[] = [
  { name: '_version', sqlType: 'bigint', nullable: false },
  { name: '_partition', sqlType: 'integer', nullable: false },
  { name: '_offset', sqlType: 'bigint', nullable: false },
  { name: '_updated_at', sqlType: 'timestamp with time zone', nullable: false },
  { name: '_lease_expires_at', sqlType: 'timestamp with time zone', nullable: true },
];

/** How one entry type of one space is laid out in PostgreSQL. Pure data, built by {@link mapEntryType}. */
export interface TableMapping {
  readonly space: string;
  readonly typeName: string;
  /** PostgreSQL schema holding the table. */
  readonly schema: string;
  /** Unqualified table name (`orders_order`). */
  readonly table: string;
  /** `"schema"."table"`, ready for SQL. */
  readonly qualifiedTable: string;
  /** Fingerprint (hex) of the Avro schema the mapping was built from. */
  readonly fingerprint: string;
  /** The entry's own columns, in schema order (the id column among them). */
  readonly columns: readonly ColumnMapping[];
  /** The primary key column. */
  readonly idColumn: ColumnMapping;
  readonly indexes: readonly IndexMapping[];
}

/**
 * Maps an entry type to its mirror table: `<space>_<type>` in snake case, a column per top-level
 * field (string → text, int → integer, long → bigint, float → real, double → double precision,
 * boolean, bytes → bytea, enum → text with a CHECK, timestamp-millis → timestamptz, date, uuid,
 * records / arrays / maps → jsonb, `[null, X]` → nullable X), the id as primary key, the
 * `_version`, `_partition`, `_offset`, `_updated_at`, `_lease_expires_at` bookkeeping columns, an
 * index on `_partition` (warm-up from the mirror reads a partition's rows), and an index per
 * Spacelog index (jsonb path expressions for nested fields).
 */
export function mapEntryType(space: string, type: EntryType, schema: string): TableMapping {
  const record = type.avroType as avro.types.RecordType;
  const table = tableNameOf(space, type.name);
  const seen = new Map<string, string>();
  const columns = record.fields.map((field) => {
    const column = mapField(type, field);
    if (META_COLUMNS.some((m) => m.name === column.name)) {
      throw definitionError(type, field.name, `column "${column.name}" is reserved for the mirror`);
    }
    const clash = seen.get(column.name);
    if (clash !== undefined) {
      throw definitionError(
        type,
        field.name,
        `fields "${clash}" and "${field.name}" both map to column "${column.name}"`,
      );
    }
    seen.set(column.name, field.name);
    return column;
  });
  const idColumn = columns.find((c) => c.field === type.idField);
  if (idColumn === undefined) throw definitionError(type, type.idField, 'the id must be a top-level field');
  return {
    space,
    typeName: type.name,
    schema,
    table,
    qualifiedTable: qualified(schema, table),
    fingerprint: schemaFingerprint(type.avroType),
    columns,
    idColumn,
    indexes: type.indexes.map((index) => ({
      name: fitIdentifier(`${table}_${snakeCase(index.name)}`),
      elements: index.fields.map((path) => indexElement(columns, path)),
    })),
  };
}

function mapField(type: EntryType, field: avro.types.Field): ColumnMapping {
  const { kind, nullable, symbols } = avroColumnType(field.type);
  const sqlType = SQL_TYPES[kind];
  const column: ColumnMapping = {
    name: snakeCase(field.name),
    field: field.name,
    kind,
    sqlType,
    nullable,
    ...(symbols === undefined ? {} : { symbols }),
  };
  const fallback: unknown = field.defaultValue();
  if (fallback === undefined) return column;
  try {
    return { ...column, defaultSql: toSqlLiteral(kind, sqlType, fallback) };
  } catch (error) {
    if (!(error instanceof ValueMappingError)) throw error;
    throw definitionError(type, field.name, `default cannot be mapped: ${error.reason}`);
  }
}

/** `status` → `"status"`; `shipping.city` → `("shipping"->>'city')`; `a.b.c` → `("a"->'b'->>'c')`. */
function indexElement(columns: readonly ColumnMapping[], path: string): string {
  const [head = '', ...rest] = path.split('.');
  const column = columns.find((c) => c.field === head);
  const name = quoteIdent(column?.name ?? snakeCase(head));
  if (rest.length === 0) return name;
  const steps = rest.map((step, i) => `${i === rest.length - 1 ? '->>' : '->'}${quoteLiteral(step)}`);
  return `(${name}${steps.join('')})`;
}

function definitionError(type: EntryType, field: string, reason: string): SchemaDefinitionError {
  return new SchemaDefinitionError(`${type.name}.${field}: ${reason}`, type.name, field, { type: type.name });
}
