import type * as avro from 'avsc';

/** How a value of a column is converted on its way to PostgreSQL (and back). */
export type ValueKind =
  | 'text'
  | 'integer'
  | 'bigint'
  | 'real'
  | 'double'
  | 'boolean'
  | 'bytes'
  | 'enum'
  | 'timestamp-millis'
  | 'timestamp-micros'
  | 'local-timestamp-millis'
  | 'time-millis'
  | 'date'
  | 'uuid'
  | 'json';

/** The PostgreSQL type of each value kind. */
export const SQL_TYPES: Readonly<Record<ValueKind, string>> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  real: 'real',
  double: 'double precision',
  boolean: 'boolean',
  bytes: 'bytea',
  enum: 'text',
  'timestamp-millis': 'timestamp with time zone',
  'timestamp-micros': 'timestamp with time zone',
  'local-timestamp-millis': 'timestamp without time zone',
  'time-millis': 'time without time zone',
  date: 'date',
  uuid: 'uuid',
  json: 'jsonb',
};

/** What an Avro field type becomes as a column. */
export interface AvroColumnType {
  readonly kind: ValueKind;
  readonly nullable: boolean;
  /** Enum symbols (for the CHECK constraint). */
  readonly symbols?: readonly string[];
}

const LOGICAL_KINDS: Readonly<Record<string, ValueKind>> = {
  'timestamp-millis': 'timestamp-millis',
  'timestamp-micros': 'timestamp-micros',
  'local-timestamp-millis': 'local-timestamp-millis',
  'time-millis': 'time-millis',
  date: 'date',
  uuid: 'uuid',
};

const PRIMITIVE_KINDS: Readonly<Record<string, ValueKind>> = {
  string: 'text',
  int: 'integer',
  long: 'bigint',
  float: 'real',
  double: 'double',
  boolean: 'boolean',
  bytes: 'bytes',
  fixed: 'bytes',
};

/**
 * The column type of a top-level Avro field type: scalars map to their PostgreSQL type, records,
 * arrays, maps and unions of several non-null branches to jsonb, `[null, X]` to a nullable X.
 */
export function avroColumnType(type: avro.Type): AvroColumnType {
  const name = type.typeName;
  if (name === 'union:unwrapped' || name === 'union:wrapped') {
    const branches = (type as avro.types.UnwrappedUnionType).types;
    const nonNull = branches.filter((t) => t.typeName !== 'null');
    const nullable = nonNull.length < branches.length;
    const only = nonNull[0];
    if (nonNull.length === 1 && only !== undefined) return { ...avroColumnType(only), nullable };
    return { kind: 'json', nullable };
  }
  if (name.startsWith('logical:')) {
    const kind = LOGICAL_KINDS[name.slice('logical:'.length)];
    if (kind !== undefined) return { kind, nullable: false };
    return avroColumnType((type as avro.types.LogicalType).underlyingType);
  }
  if (name === 'enum') {
    return { kind: 'enum', nullable: false, symbols: [...(type as avro.types.EnumType).symbols] };
  }
  if (name === 'null') return { kind: 'json', nullable: true };
  return { kind: PRIMITIVE_KINDS[name] ?? 'json', nullable: false };
}
