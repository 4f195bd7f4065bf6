import type { Entry } from '../../schema/Entry';

/**
 * Turns a value decoded by avsc (record class instances) into the `Entry` contract: plain,
 * deeply frozen objects and arrays. Buffers (Avro bytes / fixed) are kept as they are, since
 * typed arrays with elements cannot be frozen.
 */
export function toPlainEntry(value: unknown): Entry {
  return toPlain(value) as Entry;
}

function toPlain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  if (Array.isArray(value)) return Object.freeze(value.map(toPlain));
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) out[key] = toPlain(source[key]);
  return Object.freeze(out);
}
