import type { KafkaMessage } from 'kafkajs';
import type { LogRecord } from './LogTypes';

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
  for (const record of records) {
    size += 16 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
    if (record.value === null) size += 4 + headerBytes(record.headers);
  }
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
    const headers = headerList(record.headers);
    pos = out.writeInt32LE(headers.length, pos);
    for (const [name, value] of headers) {
      bytes(name);
      bytes(value);
    }
  }
  return { buffer, count: records.length };
}

/** The records of a packed batch, in order. */
export function unpackRecords(packed: PackedRecords): UnpackedRecord[] {
  const buf = Buffer.from(packed.buffer);
  const records: UnpackedRecord[] = new Array<UnpackedRecord>(packed.count);
  let pos = 0;
  const bytes = (): Buffer | null => {
    const length = buf.readInt32LE(pos);
    pos += 4;
    if (length < 0) return null;
    const view = buf.subarray(pos, pos + length);
    pos += length;
    return view;
  };
  for (let i = 0; i < packed.count; i++) {
    const offset = buf.readDoubleLE(pos);
    pos += 8;
    const key = bytes();
    const value = bytes();
    if (value !== null) {
      records[i] = { offset, key, value };
      continue;
    }
    const count = buf.readInt32LE(pos);
    pos += 4;
    const headers: Record<string, Buffer> = {};
    for (let h = 0; h < count; h++) {
      const name = bytes()!.toString('utf8');
      headers[name] = bytes() ?? Buffer.alloc(0);
    }
    records[i] = { offset, key, value, headers };
  }
  return records;
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

function headerBytes(headers: KafkaMessage['headers']): number {
  return headerList(headers).reduce((n, [name, value]) => n + 8 + name.length + value.length, 0);
}
