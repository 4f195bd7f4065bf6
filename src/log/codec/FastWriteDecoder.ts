import type { Type } from 'avsc';
import type { Mutation, MutationOp } from '../../space/Mutation';
import type { Entry } from '../../schema/Entry';
import {
  compilePlainReader,
  readAvroLong,
  readAvroString,
  utf8,
  type AvroCursor,
  type PlainReader,
} from './plainReader';

/** Envelope op symbols in schema order (`MutationOp` of mutationEnvelope.ts). */
const OPS: readonly MutationOp[] = ['WRITE', 'UPDATE', 'TAKE', 'EXPIRE'];
const SLASH = 0x2f;
const FINGERPRINT_BYTES = 16;
const NO_BYTES = Buffer.alloc(0);

/** A record key: `buf[start, end)`. */
interface KeyRange {
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
}

interface FastType {
  readonly name: string;
  readonly nameBytes: Buffer;
  readonly fingerprintBytes: Buffer;
  readonly read: PlainReader;
}

/**
 * @internal
 * The common case of `MutationCodec.decode`, without avsc: a WRITE / UPDATE record of a current
 * type written with the current schema. It reads the envelope in place (no slices of the value, no
 * envelope object), checks its type and id against the key byte for byte, and decodes the state
 * with a reader compiled from the schema straight into frozen plain objects. Anything else (a
 * tombstone, another type or schema, a record that does not parse exactly) answers undefined, and
 * the codec's general path decodes it or throws its typed error.
 */
export class FastWriteDecoder {
  private readonly types: FastType[] = [];
  private readonly cursor: AvroCursor = { buf: NO_BYTES, pos: 0, end: 0 };
  /** The last origin seen, as bytes and string: records of a batch mostly share one. */
  private originBytes: Buffer = NO_BYTES;
  private origin = '';

  /** Adds a reader type (its current schema and that schema's 16-byte fingerprint). */
  add(name: string, type: Type, fingerprintBytes: Buffer): void {
    const read = compilePlainReader(type);
    if (read === undefined || fingerprintBytes.length !== FINGERPRINT_BYTES) return;
    this.types.push({ name, nameBytes: Buffer.from(name, 'utf8'), fingerprintBytes, read });
  }

  /** The mutation, or undefined when the record needs the general path. */
  decode(key: Buffer, value: Buffer): Mutation | undefined {
    return this.decodeIn(key, 0, key.length, value, 0, value.length);
  }

  /**
   * Like `decode`, with key and value given as ranges of buffers (a packed batch holds many records
   * in one buffer: reading them in place spares two Buffer views per record).
   */
  decodeIn(
    keyBuf: Buffer,
    keyStart: number,
    keyEnd: number,
    valueBuf: Buffer,
    valueStart: number,
    valueEnd: number,
  ): Mutation | undefined {
    const key: KeyRange = { buf: keyBuf, start: keyStart, end: keyEnd };
    const type = this.typeOf(key);
    if (type === undefined) return undefined;
    const c = this.cursor;
    c.buf = valueBuf;
    c.pos = valueStart;
    c.end = valueEnd;
    try {
      return this.read(c, key, type);
    } catch {
      return undefined; // truncated or malformed: the general path names the problem
    } finally {
      c.buf = NO_BYTES; // do not keep the fetch buffer alive
    }
  }

  private read(c: AvroCursor, key: KeyRange, type: FastType): Mutation | undefined {
    const op = OPS[readAvroLong(c)];
    if (op !== 'WRITE' && op !== 'UPDATE') return undefined;
    const slash = key.start + type.nameBytes.length;
    if (!this.skipEqual(c, key.buf, key.start, slash)) return undefined;
    if (!this.skipEqual(c, key.buf, slash + 1, key.end)) return undefined;
    const version = readAvroLong(c);
    const leaseBranch = readAvroLong(c);
    if (leaseBranch !== 0 && leaseBranch !== 1) return undefined;
    const leaseExpiresAt = leaseBranch === 1 ? readAvroLong(c) : null;
    const timestamp = readAvroLong(c);
    const origin = this.readOrigin(c);
    const fingerprint = type.fingerprintBytes;
    if (c.pos + FINGERPRINT_BYTES > c.end) return undefined;
    for (let i = 0; i < FINGERPRINT_BYTES; i++) if (c.buf[c.pos + i] !== fingerprint[i]) return undefined;
    c.pos += FINGERPRINT_BYTES;
    const length = readAvroLong(c);
    // The state is the envelope's last field: its bytes must end exactly where the value ends.
    if (c.pos + length !== c.end) return undefined;
    const state = type.read(c) as Entry;
    if (c.pos !== c.end) return undefined;
    return {
      op,
      type: type.name,
      id: utf8(key.buf, slash + 1, key.end),
      version,
      leaseExpiresAt,
      timestamp,
      origin,
      state,
    };
  }

  /** The reader type named by the key's `<type>/` prefix, if it is one of ours. */
  private typeOf(key: KeyRange): FastType | undefined {
    const { buf, start } = key;
    for (const type of this.types) {
      const name = type.nameBytes;
      const n = name.length;
      if (key.end - start <= n || buf[start + n] !== SLASH) continue;
      let i = 0;
      while (i < n && buf[start + i] === name[i]) i++;
      if (i === n) return type;
    }
    return undefined;
  }

  /** Reads an Avro string and tells whether its bytes equal `bytes[from, to)`. */
  private skipEqual(c: AvroCursor, bytes: Buffer, from: number, to: number): boolean {
    const length = readAvroLong(c);
    if (length !== to - from || c.pos + length > c.end) return false;
    const buf = c.buf;
    const at = c.pos;
    for (let i = 0; i < length; i++) if (buf[at + i] !== bytes[from + i]) return false;
    c.pos += length;
    return true;
  }

  private readOrigin(c: AvroCursor): string {
    const start = c.pos;
    const length = readAvroLong(c);
    const known = this.originBytes;
    if (length === known.length && c.pos + length <= c.end) {
      let i = 0;
      while (i < length && c.buf[c.pos + i] === known[i]) i++;
      if (i === length) {
        c.pos += length;
        return this.origin;
      }
    }
    c.pos = start;
    const origin = readAvroString(c);
    this.origin = origin;
    this.originBytes = Buffer.from(origin, 'utf8');
    return origin;
  }
}
