import type { ValueKind } from './avroColumn';

/** A value that cannot be converted for its column (a poison record, or a bad Avro default). */
export class ValueMappingError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ValueMappingError';
  }
}

const DAY_MS = 86_400_000;

/**
 * Converts an entry's field value into the JSON value PostgreSQL's `jsonb_populate_recordset` reads
 * for a column of that kind: timestamps from epoch ms to ISO strings, dates from epoch days, bytes to
 * `\x` hex, non-finite floats to `'NaN'` / `'Infinity'` (JSON has no such numbers), nested values
 * as JSON (bytes inside them as base64). Throws ValueMappingError for a value of the wrong shape.
 */
export function toSqlJson(kind: ValueKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'text':
    case 'enum':
    case 'uuid':
      return expect(typeof value === 'string', kind, value) as string;
    case 'integer':
    case 'bigint':
      return expect(typeof value === 'number' && Number.isInteger(value), kind, value);
    case 'real':
    case 'double':
      expect(typeof value === 'number', kind, value);
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return expect(typeof value === 'boolean', kind, value);
    case 'bytes':
      expect(value instanceof Uint8Array, kind, value);
      return `\\x${Buffer.from(value as Uint8Array).toString('hex')}`;
    case 'timestamp-millis':
      return isoInstant(numberOf(kind, value));
    case 'timestamp-micros': {
      const micros = numberOf(kind, value);
      const iso = isoInstant(Math.floor(micros / 1000));
      return `${iso.slice(0, -1)}${String(((micros % 1000) + 1000) % 1000).padStart(3, '0')}Z`;
    }
    case 'local-timestamp-millis':
      return isoInstant(numberOf(kind, value)).slice(0, -1);
    case 'time-millis':
      return isoInstant(numberOf(kind, value)).slice(11, 23);
    case 'date':
      return isoInstant(numberOf(kind, value) * DAY_MS).slice(0, 10);
    case 'json':
      return toPlainJson(value);
  }
}

/** A SQL literal for a column DEFAULT (DDL only: data always travels as parameters). */
export function toSqlLiteral(kind: ValueKind, sqlType: string, value: unknown): string {
  const json = toSqlJson(kind, value);
  if (json === null) return 'NULL';
  if (typeof json === 'number' || typeof json === 'boolean') return String(json);
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  return `'${text.replace(/'/g, "''")}'::${sqlType}`;
}

function expect(ok: boolean, kind: ValueKind, value: unknown): unknown {
  if (!ok) throw new ValueMappingError(`expected a ${kind} value, got ${describe(value)}`);
  return value;
}

function numberOf(kind: ValueKind, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValueMappingError(`expected a ${kind} number, got ${describe(value)}`);
  }
  return value;
}

function isoInstant(ms: number): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) throw new ValueMappingError(`instant ${ms} is out of range`);
  return date.toISOString();
}

function toPlainJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    if (typeof value === 'bigint') return value.toString();
    return value;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toPlainJson);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = toPlainJson(inner);
  return out;
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `string "${value.slice(0, 40)}"` : `${typeof value} ${String(value)}`;
}
