/**
 * JSON for the small values of the protocol (selectors, options, change sets, results). Plain JSON
 * would lose what Spacelog values may hold, so three things are tagged:
 * Buffers as `{ "$bytes": base64 }`, non-finite numbers (an `Infinity` lease) as `{ "$num": "Infinity" }`,
 * and bigints as `{ "$bigint": "123" }`. Undefined object fields are dropped, as in JSON.
 * @internal
 */
const EMPTY = Buffer.alloc(0);

/** Encodes a value as UTF-8 wire JSON; undefined encodes as no bytes. */
export function toWireJson(value: unknown): Buffer {
  if (value === undefined) return EMPTY;
  return Buffer.from(JSON.stringify(value, replacer), 'utf8');
}

/** Decodes UTF-8 wire JSON; no bytes decode as undefined. */
export function fromWireJson(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'), reviver);
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify calls Buffer#toJSON before the replacer, so look at the raw value on the holder.
  const raw = (this as Record<string, unknown>)[key];
  if (Buffer.isBuffer(raw)) return { $bytes: raw.toString('base64') };
  if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw).toString('base64') };
  if (typeof value === 'number' && !Number.isFinite(value)) return { $num: String(value) };
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const tagged = value as Record<string, unknown>;
  const keys = Object.keys(tagged);
  if (keys.length !== 1) return value;
  if (typeof tagged.$bytes === 'string') return Buffer.from(tagged.$bytes, 'base64');
  if (typeof tagged.$num === 'string') return Number(tagged.$num);
  if (typeof tagged.$bigint === 'string') return BigInt(tagged.$bigint);
  return value;
}
