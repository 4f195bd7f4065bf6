import type { KafkaMessage } from 'kafkajs';
import type { LogRecord } from '../codec/LogTypes';

/**
 * @internal
 * Consumed records of one fetched batch in one transferable buffer: how a log read in a worker
 * thread hands records to the thread that folds them (a transfer moves the memory, nothing is
 * copied or cloned per record). Layout per record, little-endian: offset (float64), key length
 * (int32, -1 for none) and bytes, value length (int32, -1 for a tombstone) and bytes, then for
 * tombstones only (the codec reads headers of tombstones only) the header count (int32) and each
 * header's name and value as length + bytes.
 */
export interface PackedRecords {
  readonly buffer: ArrayBuffer;
  readonly count: number;
}

/** A record unpacked from a {@link PackedRecords}: key, value and headers are views of its buffer. */
export interface UnpackedRecord extends LogRecord {
  readonly offset: number;
}

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** Packs kafkajs messages (in offset order) into one buffer. */
export function packRecords(records: readonly KafkaMessage[]): PackedRecords {
  let size = 0;
  // Headers of tombstones, listed once: sized in this pass, written in the next.
  const tombstoneHeaders: [Buffer, Buffer][][] = [];
  for (const record of records) {
    size += 16 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
    if (record.value !== null) continue;
    const headers = headerList(record.headers);
    tombstoneHeaders.push(headers);
    size += 4 + headers.reduce((n, [name, value]) => n + 8 + name.length + value.length, 0);
  }
  let tombstone = 0;
  const buffer = new ArrayBuffer(size);
  const out = Buffer.from(buffer);
  let pos = 0;
  const bytes = (data: Buffer | null): void => {
    if (data === null) {
      pos = out.writeInt32LE(-1, pos);
      return;
    }
    pos = out.writeInt32LE(data.length, pos);
    pos += data.copy(out, pos);
  };
  for (const record of records) {
    pos = out.writeDoubleLE(Number(record.offset), pos);
    bytes(record.key ?? null);
    bytes(record.value);
    if (record.value !== null) continue;
    const headers = tombstoneHeaders[tombstone++]!;
    pos = out.writeInt32LE(headers.length, pos);
    for (const [name, value] of headers) {
      bytes(name);
      bytes(value);
    }
  }
  return { buffer, count: records.length };
}

/**
 * Walks a packed batch record by record without allocating: `next()` moves to the next record and
 * the fields give its offset and where its key and value lie in `buf` (start -1: none). `record()`
 * materialises the current record as views (and headers) for the codec's general path.
 */
export class PackedRecordCursor {
  readonly buf: Buffer;
  offset = 0;
  keyStart = -1;
  keyEnd = -1;
  valueStart = -1;
  valueEnd = -1;
  private headersAt = -1;
  private pos = 0;
  private left: number;

  constructor(packed: PackedRecords) {
    this.buf = Buffer.from(packed.buffer);
    this.left = packed.count;
  }

  /** Moves to the next record; false after the last. */
  next(): boolean {
    if (this.left === 0) return false;
    this.left--;
    const buf = this.buf;
    let pos = this.pos;
    this.offset = buf.readDoubleLE(pos);
    pos += 8;
    // Written out for key and value: this runs once per record of a warm-up.
    const keyLength = buf.readInt32LE(pos);
    pos += 4;
    this.keyStart = keyLength < 0 ? -1 : pos;
    pos += Math.max(0, keyLength);
    this.keyEnd = keyLength < 0 ? -1 : pos;
    const valueLength = buf.readInt32LE(pos);
    pos += 4;
    this.valueStart = valueLength < 0 ? -1 : pos;
    pos += Math.max(0, valueLength);
    this.valueEnd = valueLength < 0 ? -1 : pos;
    this.pos = pos;
    this.headersAt = -1;
    if (valueLength < 0) {
      this.headersAt = pos;
      const count = buf.readInt32LE(pos);
      this.pos += 4;
      for (let h = 0; h < 2 * count; h++) this.range();
    }
    return true;
  }

  /** The current record as a LogRecord (views of the buffer). */
  record(): UnpackedRecord {
    const view = (start: number, end: number): Buffer | null =>
      start < 0 ? null : this.buf.subarray(start, end);
    const key = view(this.keyStart, this.keyEnd);
    const value = view(this.valueStart, this.valueEnd);
    if (this.headersAt < 0) return { offset: this.offset, key, value };
    const headers: Record<string, Buffer> = {};
    const resume = this.pos;
    this.pos = this.headersAt;
    const count = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    for (let h = 0; h < count; h++) {
      const [nameStart, nameEnd] = this.range();
      const [valueStart, valueEnd] = this.range();
      headers[this.buf.toString('utf8', nameStart, nameEnd)] = view(valueStart, valueEnd) ?? Buffer.alloc(0);
    }
    this.pos = resume;
    return { offset: this.offset, key, value, headers };
  }

  private range(): [number, number] {
    const length = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    if (length < 0) return [-1, -1];
    const start = this.pos;
    this.pos += length;
    return [start, this.pos];
  }
}

/** Header name and value bytes; a repeated header keeps its first value (what the codec reads). */
function headerList(headers: KafkaMessage['headers']): [Buffer, Buffer][] {
  const list: [Buffer, Buffer][] = [];
  for (const [name, raw] of Object.entries(headers ?? {}) as [string, HeaderValue][]) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    list.push([Buffer.from(name, 'utf8'), typeof value === 'string' ? Buffer.from(value, 'utf8') : value]);
  }
  return list;
}
