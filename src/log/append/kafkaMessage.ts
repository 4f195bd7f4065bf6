import type { Message } from 'kafkajs';
import { KAFKAJS_WRITES_RECORD_TAILS } from './kafkajsPatch';
import type { EncodedRecord } from '../codec/LogTypes';

/**
 * A kafkajs message for one of our records, with the size of its key, value and headers in Kafka's
 * record format (`tailBytes`, what batches are sized by). With Spacelog's kafkajs patch (see
 * patches/ and `KAFKAJS_WRITES_RECORD_TAILS`) it also carries those bytes themselves
 * (`spacelogRecordTail`): kafkajs would otherwise build an Encoder per record and per header and a
 * Buffer per varint, ~15% of the CPU of a sync write load with our five headers. The key, value and
 * headers stay on the message either way, so a stock kafkajs writes the same record.
 * @internal
 */
export interface LogMessage extends Message {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
  /** Bytes of the record's key, value and headers as Kafka's record format (v2) writes them. */
  readonly tailBytes: number;
  /** Those bytes, for a patched kafkajs only (a stock one would ignore them and encode again). */
  readonly spacelogRecordTail?: Buffer;
}

/**
 * The message for one of our records, for partition 0 of its topic (one partition per topic). The
 * pre-encoded tail is built only for a kafkajs that writes it (`withTail`, default: the loaded
 * kafkajs carries the patch).
 */
export function kafkaMessageOf(record: EncodedRecord, withTail = KAFKAJS_WRITES_RECORD_TAILS): LogMessage {
  const { key, value, headers } = record;
  if (!withTail)
    return { key, value, headers, partition: 0, tailBytes: recordTailBytes(key, value, headers) };
  const spacelogRecordTail = recordTail(key, value, headers);
  return { key, value, headers, partition: 0, tailBytes: spacelogRecordTail.length, spacelogRecordTail };
}

/** The length of `recordTail(key, value, headers)`, without building it (for a stock kafkajs). */
export function recordTailBytes(key: Buffer, value: Buffer | null, headers: Record<string, string>): number {
  let size = varIntSize(key.length) + key.length;
  size += value === null ? 1 : varIntSize(value.length) + value.length;
  const names = Object.keys(headers);
  size += varIntSize(names.length);
  for (const name of names) {
    const nameBytes = Buffer.byteLength(name, 'utf8');
    const valueBytes = Buffer.byteLength(headers[name] as string, 'utf8');
    size += varIntSize(nameBytes) + nameBytes + varIntSize(valueBytes) + valueBytes;
  }
  return size;
}

/** Upper bound of a varint's bytes (a length below 2^31). */
const MAX_VARINT_BYTES = 5;

/** Where tails are written before each is copied out (one per process; encoding is synchronous). */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Key, value and headers of a record, as Kafka's record format (v2) writes them after the offset
 * delta: varint length (-1 for null) and bytes each; a varint header count, then each header's key
 * (UTF-8) and value (UTF-8 bytes).
 */
export function recordTail(key: Buffer, value: Buffer | null, headers: Record<string, string>): Buffer {
  const names = Object.keys(headers);
  let size = key.length + (value?.length ?? 0) + 3 * MAX_VARINT_BYTES;
  // UTF-8 takes at most 3 bytes per UTF-16 unit.
  for (const name of names)
    size += 2 * MAX_VARINT_BYTES + 3 * (name.length + (headers[name] as string).length);
  if (size > scratch.length) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  const buf = scratch;
  let at = writeVarInt(buf, 0, key.length);
  at += key.copy(buf, at);
  if (value === null) at = writeVarInt(buf, at, -1);
  else {
    at = writeVarInt(buf, at, value.length);
    at += value.copy(buf, at);
  }
  at = writeVarInt(buf, at, names.length);
  for (const name of names) {
    at = writeString(buf, at, name);
    at = writeString(buf, at, headers[name] as string);
  }
  const tail = Buffer.allocUnsafe(at);
  buf.copy(tail, 0, 0, at);
  return tail;
}

/** A varint-length-prefixed UTF-8 string at `at`; returns the offset after it. */
function writeString(buf: Buffer, at: number, text: string): number {
  // Header names and values are short ASCII (names, op, numbers): written by hand, without a call
  // into the native UTF-8 encoder per string. A length below 64 is one varint byte.
  const n = text.length;
  if (n < 64) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buf[at + 1 + i] = c;
    }
    if (i === n) {
      buf[at] = n << 1;
      return at + 1 + n;
    }
  }
  // Anything else: the bytes after a one-byte length guess, moved when the length takes more.
  const written = buf.write(text, at + 1, 'utf8');
  const lengthBytes = varIntSize(written);
  if (lengthBytes > 1) buf.copy(buf, at + lengthBytes, at + 1, at + 1 + written);
  writeVarInt(buf, at, written);
  return at + lengthBytes + written;
}

/** Zigzag varint (Kafka's signed varint) at `at`; returns the offset after it. */
function writeVarInt(buf: Buffer, at: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v > 0x7f) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

function varIntSize(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (v > 0x7f) {
    n++;
    v >>>= 7;
  }
  return n;
}
