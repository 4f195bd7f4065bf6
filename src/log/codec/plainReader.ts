import type { Type } from 'avsc';
import { isPassThroughLogicalType } from '../../schema/avro/logicalTypes';

/** Where a compiled reader is in a buffer; `end` bounds the value being read. @internal */
export interface AvroCursor {
  buf: Buffer;
  pos: number;
  end: number;
}

/** Reads one value at the cursor and advances it. Throws (anything) on data that does not fit. */
export type PlainReader = (cursor: AvroCursor) => unknown;

/** Thrown inside a compiled reader when the data runs past its end; the caller falls back to avsc. */
class Truncated extends Error {}

/**
 * @internal
 * Compiles a decoder of Avro binary data of `type` straight into the `Entry` contract (plain, deeply
 * frozen objects and arrays, fields in schema order): what `toPlainEntry(type.fromBuffer(bytes))`
 * returns, without avsc's record instances and the copy after them (the warm-up decodes every
 * record of a partition log). Returns undefined for a type it does not cover (bytes, fixed, maps,
 * wrapped unions, logical types other than Spacelog's pass-through ones): those keep the avsc path.
 * A compiled reader may throw on bad data (or read past `end`); callers check
 * `cursor.pos === cursor.end` and fall back to avsc for the error.
 */
export function compilePlainReader(type: Type): PlainReader | undefined {
  try {
    return compile(type);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

class Unsupported extends Error {}

interface AvroTypeShape {
  readonly typeName: string;
  readonly fields?: readonly { readonly name: string; readonly type: Type }[];
  readonly itemsType?: Type;
  readonly types?: readonly Type[];
  readonly symbols?: readonly string[];
}

function compile(type: Type): PlainReader {
  const shape = type as unknown as AvroTypeShape;
  switch (shape.typeName) {
    case 'null':
      return () => null;
    case 'boolean':
      return (c) => {
        if (c.pos >= c.end) throw new Truncated();
        return c.buf[c.pos++] !== 0;
      };
    case 'int':
      return readInt;
    case 'long':
      return readLong;
    case 'float':
      return (c) => {
        const v = c.buf.readFloatLE(c.pos);
        c.pos += 4;
        return v;
      };
    case 'double':
      return (c) => {
        const v = c.buf.readDoubleLE(c.pos);
        c.pos += 8;
        return v;
      };
    case 'string':
      return readString;
    case 'enum': {
      const symbols = shape.symbols ?? [];
      return (c) => {
        const symbol = symbols[readInt(c)];
        if (symbol === undefined) throw new Truncated();
        return symbol;
      };
    }
    case 'union:unwrapped': {
      const branches = (shape.types ?? []).map(compile);
      return (c) => {
        const branch = branches[readInt(c)];
        if (branch === undefined) throw new Truncated();
        return branch(c);
      };
    }
    case 'array': {
      if (shape.itemsType === undefined) throw new Unsupported();
      const item = compile(shape.itemsType);
      const itemBytes = minSize(shape.itemsType);
      return (c) => {
        const out: unknown[] = [];
        for (let n = readLong(c); n !== 0; n = readLong(c)) {
          if (n < 0) {
            n = -n;
            readLong(c); // block size in bytes, not needed
          }
          // A corrupt count must not run a long loop: n items need n * itemBytes bytes.
          if (c.pos + n * itemBytes > c.end) throw new Truncated();
          for (let i = 0; i < n; i++) out.push(item(c));
        }
        return Object.freeze(out);
      };
    }
    case 'record':
      return compileRecord(shape);
    default:
      // Spacelog's logical types keep the underlying value (a timestamp is its epoch-ms long).
      if (isPassThroughLogicalType(type)) return compile(type.underlyingType);
      throw new Unsupported();
  }
}

/** A record becomes one object literal (one hidden class for every entry of the type). */
function compileRecord(shape: AvroTypeShape): PlainReader {
  const fields = shape.fields ?? [];
  const readers = fields.map((f) => compile(f.type));
  const names = fields.map((f) => f.name);
  // Avro names are [A-Za-z_][A-Za-z0-9_]*; "__proto__" in a literal would set the prototype instead.
  if (names.some((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n) || n === '__proto__')) throw new Unsupported();
  const body = `return function (c) { return Object.freeze({ ${names
    .map((n, i) => `${n}: r${i}(c)`)
    .join(', ')} }); };`;
  // Generated once per type (as avsc itself does): a literal gives V8 a fixed shape, and the fields
  // are read in schema order because object literal properties are evaluated in order.
  const factory = new Function(...readers.map((_, i) => `r${i}`), body) as (
    ...readers: PlainReader[]
  ) => PlainReader;
  return factory(...readers);
}

function readInt(c: AvroCursor): number {
  const buf = c.buf;
  let n = 0;
  let k = 0;
  let b: number;
  do {
    if (c.pos >= c.end) throw new Truncated();
    b = buf[c.pos++] as number;
    n |= (b & 0x7f) << k;
    k += 7;
  } while (b & 0x80 && k < 28);
  if (b & 0x80) return readLongTail(c, n);
  return (n >> 1) ^ -(n & 1);
}

/** Avro int and long share the zigzag varint encoding (an int never takes the float tail). */
const readLong = readInt;

/** The fewest bytes a value of the type takes (null and records of nulls take none). */
function minSize(type: Type): number {
  const shape = type as unknown as AvroTypeShape;
  if (shape.typeName === 'null') return 0;
  if (shape.typeName === 'record') return (shape.fields ?? []).reduce((n, f) => n + minSize(f.type), 0);
  if (isPassThroughLogicalType(type)) return minSize(type.underlyingType);
  return 1;
}

/** The bytes of a varint past 28 bits, in float arithmetic (avsc refuses beyond 2^53, so do we). */
function readLongTail(c: AvroCursor, low: number): number {
  const buf = c.buf;
  let f = low >>> 0;
  let fk = 268435456; // 2 ** 28
  let b: number;
  do {
    if (c.pos >= c.end) throw new Truncated();
    b = buf[c.pos++] as number;
    f += (b & 0x7f) * fk;
    fk *= 128;
  } while (b & 0x80);
  const value = (f % 2 ? -(f + 1) : f) / 2;
  if (!Number.isSafeInteger(value)) throw new Truncated(); // avsc: 'potential precision loss'
  return value;
}

function readString(c: AvroCursor): string {
  const length = readInt(c);
  const start = c.pos;
  const stop = start + length;
  if (length < 0 || stop > c.end) throw new Truncated();
  c.pos = stop;
  return utf8(c.buf, start, stop);
}

interface Utf8Slicing {
  utf8Slice(start: number, end: number): string;
}
const HAS_UTF8_SLICE = typeof (Buffer.prototype as unknown as Partial<Utf8Slicing>).utf8Slice === 'function';

/**
 * `buf.toString('utf8', start, end)` without its argument handling (Node's own Buffer method, as
 * avsc uses it): most of a decoded entry's cost is its short strings. @internal
 */
export function utf8(buf: Buffer, start: number, end: number): string {
  return HAS_UTF8_SLICE
    ? (buf as unknown as Utf8Slicing).utf8Slice(start, end)
    : buf.toString('utf8', start, end);
}

/** Reads a zigzag varint (Avro int / long) at the cursor. @internal */
export const readAvroLong: (c: AvroCursor) => number = readLong;
/** Reads an Avro string at the cursor. @internal */
export const readAvroString: (c: AvroCursor) => string = readString;
