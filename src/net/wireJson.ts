import { ProtocolError } from '../errors';

/**
 * JSON for the small values of the protocol (selectors, options, change sets, results). Plain JSON
 * would lose what Spacelog values may hold, so three things are tagged:
 * Buffers as `{ "$bytes": base64 }`, non-finite numbers (an `Infinity` lease) as `{ "$num": "Infinity" }`,
 * and bigints as `{ "$bigint": "123" }`. Undefined object fields are dropped, as in JSON.
 * Decoding is bounded: a `$bigint` of more than MAX_BIGINT_DIGITS digits (parsing is quadratic in
 * its length) and anything that is not wire JSON are refused with a ProtocolError.
 * @internal
 */
/** Longest `$bigint` accepted, in digits (a signed 64-bit long has 19; Avro decimals rarely more). */
export const MAX_BIGINT_DIGITS = 100;

const EMPTY = Buffer.alloc(0);

/** Encodes a value as UTF-8 wire JSON; undefined encodes as no bytes. */
export function toWireJson(value: unknown): Buffer {
  if (value === undefined) return EMPTY;
  return Buffer.from(JSON.stringify(value, replacer), 'utf8');
}

/** Decodes UTF-8 wire JSON; no bytes decode as undefined. Throws ProtocolError on anything else. */
export function fromWireJson(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  try {
    return JSON.parse(text, reviver);
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(`not wire JSON: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
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
  if (typeof tagged.$bigint === 'string') return parseBigInt(tagged.$bigint);
  return value;
}

function parseBigInt(text: string): bigint {
  if (!/^-?\d+$/.test(text)) throw new ProtocolError(`$bigint '${text.slice(0, 40)}' is not an integer`);
  const digits = text.startsWith('-') ? text.length - 1 : text.length;
  if (digits > MAX_BIGINT_DIGITS) {
    throw new ProtocolError(`$bigint of ${digits} digits is over the limit of ${MAX_BIGINT_DIGITS}`);
  }
  return BigInt(text);
}
