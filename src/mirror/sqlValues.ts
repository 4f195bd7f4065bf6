import type { ValueKind } from './avroColumn';
import { pgDate, pgInstant, pgTime } from './sqlInstant';
import { ValueMappingError } from './ValueMappingError';

export { ValueMappingError } from './ValueMappingError';

/**
 * Converts an entry's field value into the JSON value PostgreSQL's `jsonb_populate_recordset` reads
 * for a column of that kind: timestamps from epoch ms to ISO strings, dates from epoch days, bytes to
 * `\x` hex, non-finite floats to `'NaN'` / `'Infinity'` (JSON has no such numbers), nested values
 * as JSON (bytes inside them as base64). Throws ValueMappingError for a value of the wrong shape and
 * for one PostgreSQL cannot hold as it is: a string (or a JSON key) with U+0000, which `text` and
 * `jsonb` refuse, or an instant or date outside PostgreSQL's range or JavaScript's (it could not be
 * read back). Such a record is dead-lettered, never stored altered.
 */
export function toSqlJson(kind: ValueKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'text':
    case 'enum':
    case 'uuid':
      expect(typeof value === 'string', kind, value);
      return withoutNul(value as string);
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
      return pgInstant(numberOf(kind, value), true);
    case 'timestamp-micros': {
      const micros = numberOf(kind, value);
      const digits = String(((micros % 1000) + 1000) % 1000).padStart(3, '0');
      return pgInstant(Math.floor(micros / 1000), true).replace('Z', `${digits}Z`);
    }
    case 'local-timestamp-millis':
      return pgInstant(numberOf(kind, value), false);
    case 'time-millis':
      return pgTime(numberOf(kind, value));
    case 'date':
      return pgDate(numberOf(kind, value));
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

/** PostgreSQL's `text` and `jsonb` cannot hold U+0000 (no escaping would keep SQL readers' view of the value). */
function withoutNul(text: string): string {
  if (text.includes('\u0000')) {
    throw new ValueMappingError(
      `a string with U+0000 at index ${text.indexOf('\u0000')}, which PostgreSQL cannot store`,
    );
  }
  return text;
}

function toPlainJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'string') return withoutNul(value);
    return value;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toPlainJson);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[withoutNul(key)] = toPlainJson(inner);
  return out;
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `string "${value.slice(0, 40)}"` : `${typeof value} ${String(value)}`;
}
