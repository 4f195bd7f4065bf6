import type * as avro from 'avsc';

/** Which of the two shapes of an entry type a TypeScript type is written for. */
export type EntryShape = 'entry' | 'input';

/**
 * A named Avro type met while mapping a field: records become interfaces (one per shape), enums a
 * union of string literals. The generator declares each once, by its short name.
 * @internal
 */
export type NamedAvroType =
  | { readonly kind: 'record'; readonly type: avro.types.RecordType }
  | { readonly kind: 'enum'; readonly type: avro.types.EnumType };

/** What a logical type holds at run time; each stays a plain value of its underlying Avro type. */
const LOGICAL_NOTES: Readonly<Record<string, string>> = {
  'timestamp-millis': 'epoch milliseconds',
  'timestamp-micros': 'epoch microseconds',
  'local-timestamp-millis': 'local epoch milliseconds',
  'time-millis': 'milliseconds after midnight',
  date: 'days since 1970-01-01',
  uuid: 'a UUID string',
};

/** The short name (`Order`) of a named Avro type (`spacelog.examples.Order`). */
export function shortName(type: avro.Type): string {
  const full = type.name ?? '';
  return full.slice(full.lastIndexOf('.') + 1);
}

/** The note a logical type adds to a field's doc comment (`epoch milliseconds`), if any. */
export function logicalNote(type: avro.Type): string | undefined {
  const name = type.typeName;
  return name.startsWith('logical:') ? LOGICAL_NOTES[name.slice('logical:'.length)] : undefined;
}

/**
 * The TypeScript type of a value of `type`, as the space hands it out (`entry`) or accepts it in a
 * write (`input`). It follows what `compileSchema` checks and returns (src/schema/avro/): every
 * number type is `number` (longs are safe integers, never bigint), bytes and fixed are a `Buffer`
 * (any `Uint8Array` on input), logical types are their underlying value (timestamps as epoch
 * numbers, uuids as strings), enums their symbols, arrays and maps frozen, `[null, X]` unions
 * `X | null`. Named records and enums are referenced by name and reported to `named`.
 * @internal
 */
export function tsTypeOf(type: avro.Type, shape: EntryShape, named: (type: NamedAvroType) => void): string {
  const name = type.typeName;
  if (name.startsWith('logical:')) {
    return tsTypeOf((type as avro.types.LogicalType).underlyingType, shape, named);
  }
  switch (name) {
    case 'null':
      return 'null';
    case 'boolean':
      return 'boolean';
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return 'number';
    case 'string':
      return 'string';
    case 'bytes':
    case 'fixed':
      return shape === 'entry' ? 'Buffer' : 'Uint8Array';
    case 'enum':
      named({ kind: 'enum', type: type as avro.types.EnumType });
      return shortName(type);
    case 'record':
    case 'error':
      named({ kind: 'record', type: type as avro.types.RecordType });
      return shape === 'entry' ? shortName(type) : `${shortName(type)}Input`;
    case 'array':
      return `readonly ${grouped(tsTypeOf((type as avro.types.ArrayType).itemsType, shape, named))}[]`;
    case 'map':
      return `Readonly<Record<string, ${tsTypeOf((type as avro.types.MapType).valuesType, shape, named)}>>`;
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branches = (type as avro.types.UnwrappedUnionType).types.map((t) => tsTypeOf(t, shape, named));
      // null last, as people write it (`string | null`), whatever the schema's branch order.
      const ordered = [...branches.filter((b) => b !== 'null'), ...branches.filter((b) => b === 'null')];
      return [...new Set(ordered)].join(' | ');
    }
    default:
      throw new Error(`unsupported Avro type ${name}`);
  }
}

/** True when a value of `type` may be null (the `null` type or a union with a `null` branch). */
export function isNullable(type: avro.Type): boolean {
  if (type.typeName === 'null') return true;
  if (type.typeName.startsWith('union:')) {
    return (type as avro.types.UnwrappedUnionType).types.some((t) => t.typeName === 'null');
  }
  return false;
}

/** Wraps a union in parentheses where it is followed by `[]`. */
function grouped(ts: string): string {
  return ts.includes(' | ') || ts.startsWith('readonly ') ? `(${ts})` : ts;
}
