import type * as avro from 'avsc';

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

/**
 * Restores a value of Avro type `type` from the JSON a jsonb column holds (the inverse of the
 * mapping's `toPlainJson`): bytes and fixed from base64 to Buffers, non-finite floats from `'NaN'` /
 * `'Infinity'` to numbers, everywhere in records, arrays, maps and unions, led by the schema.
 * A string in a union with both a string (or enum) branch and a bytes branch reads as the string:
 * jsonb cannot tell them apart (see docs/mirror.md).
 */
export function fromMirrorJson(type: avro.Type, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const name = type.typeName;
  if (name.startsWith('logical:'))
    return fromMirrorJson((type as avro.types.LogicalType).underlyingType, value);
  switch (name) {
    case 'bytes':
    case 'fixed':
      return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
    case 'float':
    case 'double':
      if (typeof value === 'string' && NON_FINITE.has(value)) return Number(value);
      return name === 'float' && typeof value === 'number' ? Math.fround(value) : value;
    case 'array':
      return Array.isArray(value)
        ? value.map((item) => fromMirrorJson((type as avro.types.ArrayType).itemsType, item))
        : value;
    case 'map': {
      if (!isObject(value)) return value;
      const values = (type as avro.types.MapType).valuesType;
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) out[key] = fromMirrorJson(values, inner);
      return out;
    }
    case 'record':
    case 'error': {
      if (!isObject(value)) return value;
      const out: Record<string, unknown> = {};
      for (const field of (type as avro.types.RecordType).fields)
        out[field.name] = fromMirrorJson(field.type, value[field.name]);
      return out;
    }
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branch = branchOf((type as avro.types.UnwrappedUnionType).types, value);
      return branch === undefined ? value : fromMirrorJson(branch, value);
    }
    default:
      return value;
  }
}

/** The branch of an (unambiguous, unwrapped) union a JSON value belongs to. */
function branchOf(branches: readonly avro.Type[], value: unknown): avro.Type | undefined {
  const kinds = branches.map((b) => ({ branch: b, kind: baseName(b) }));
  const find = (...names: string[]): avro.Type | undefined =>
    kinds.find((k) => names.includes(k.kind))?.branch;
  if (typeof value === 'string') {
    const text = find('string');
    if (text !== undefined) return text;
    const symbols = kinds.find(
      (k) => k.kind === 'enum' && (k.branch as avro.types.EnumType).symbols.includes(value),
    );
    if (symbols !== undefined) return symbols.branch;
    if (NON_FINITE.has(value)) {
      const number = find('float', 'double');
      if (number !== undefined) return number;
    }
    return find('bytes', 'fixed');
  }
  if (typeof value === 'number') return find('double', 'float', 'long', 'int');
  if (typeof value === 'boolean') return find('boolean');
  if (Array.isArray(value)) return find('array');
  if (isObject(value)) return find('record', 'error', 'map');
  return undefined;
}

function baseName(type: avro.Type): string {
  return type.typeName.startsWith('logical:')
    ? (type as avro.types.LogicalType).underlyingType.typeName
    : type.typeName;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}
