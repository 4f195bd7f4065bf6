import { DEFAULT_MAX_MESSAGE_BYTES } from '../admin/TopicSettings';
import { ENVELOPE_VERSION, HEADER } from '../codec/mutationEnvelope';

/**
 * Sizes of Spacelog's records in Kafka's record format (v2), for the limits that keep a record batch
 * under the partition topic's `max.message.bytes`. Kafka checks that bound against a whole record
 * batch: its 61-byte header plus every record in it (each record: a length, attributes, timestamp and
 * offset deltas, key, value and headers). Without compression, the batch of one send is what the
 * broker measures.
 */

/**
 * Kafka's default `message.max.bytes` / topic `max.message.bytes` (1 MiB + 12 bytes of log overhead):
 * the default of `maxRecordBytes`.
 */
export const DEFAULT_MAX_RECORD_BYTES = DEFAULT_MAX_MESSAGE_BYTES;

/** The least `maxRecordBytes` an appender takes: room for a batch header and a record of some size. */
export const MIN_MAX_RECORD_BYTES = 1024;

/** The header of a v2 record batch (base offset, length, epoch, magic, CRC, ... record count). */
export const RECORD_BATCH_OVERHEAD_BYTES = 61;

/**
 * The most a record's fields before its key can take: length (varint, <= 5), attributes (1), timestamp
 * delta (varlong, <= 10), offset delta (varint, <= 5). Its key, value and headers are its "tail".
 */
export const MAX_RECORD_PREFIX_BYTES = 21;

/** Avro's long (zigzag varint) of a safe integer takes at most 8 bytes (2^54 < 2^56). */
const MAX_SAFE_LONG_BYTES = 8;
/** Fixed size of the schema fingerprint in the envelope. */
const FINGERPRINT_BYTES = 16;
/** The longest text of a safe integer: '-9007199254740991'. */
const MAX_SAFE_INTEGER_CHARS = 17;
/** The longest op name. */
const MAX_OP_CHARS = 6;

/**
 * What one record (prefix + tail) adds to a batch, given its tail (key, value, headers as kafkajs
 * writes them, see `recordTail`). An upper bound: the deltas depend on the record's place in its batch.
 */
export function recordBytesInBatch(tailLength: number): number {
  return MAX_RECORD_PREFIX_BYTES + tailLength;
}

/**
 * The most bytes a record batch holding just one mutation of this entry can take in the log, whatever
 * its op, version, lease and timestamp (safe integers): batch header, record framing, key
 * `<type>/<id>`, the Avro envelope around the `stateBytes` of the entry, and the five headers.
 * An entry whose bound fits `max.message.bytes` can be written, updated and renewed.
 */
export function maxRecordBatchBytes(type: string, id: string, origin: string, stateBytes: number): number {
  const typeBytes = Buffer.byteLength(type, 'utf8');
  const idBytes = Buffer.byteLength(id, 'utf8');
  const originBytes = Buffer.byteLength(origin, 'utf8');
  const key = typeBytes + 1 + idBytes;
  const envelope =
    1 + // op (enum index)
    avroString(typeBytes) +
    avroString(idBytes) +
    MAX_SAFE_LONG_BYTES + // version
    1 +
    MAX_SAFE_LONG_BYTES + // leaseExpiresAt: union index + long
    MAX_SAFE_LONG_BYTES + // timestamp
    avroString(originBytes) +
    FINGERPRINT_BYTES +
    avroString(stateBytes);
  const headers =
    varIntBytes(5) +
    header(HEADER.op, MAX_OP_CHARS) +
    header(HEADER.version, MAX_SAFE_INTEGER_CHARS) +
    header(HEADER.timestamp, MAX_SAFE_INTEGER_CHARS) +
    header(HEADER.origin, originBytes) +
    header(HEADER.envelope, ENVELOPE_VERSION.length);
  const tail = varIntBytes(key) + key + varIntBytes(envelope) + envelope + headers;
  return RECORD_BATCH_OVERHEAD_BYTES + recordBytesInBatch(tail);
}

/**
 * Splits items into consecutive runs whose sizes (plus a batch header each) stay within `maxBatchBytes`.
 * An item too large on its own gets a run of its own (Kafka refuses it; nothing is dropped here).
 */
export function splitByBytes<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  maxBatchBytes: number,
): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = RECORD_BATCH_OVERHEAD_BYTES;
  for (const item of items) {
    const size = sizeOf(item);
    if (run.length > 0 && bytes + size > maxBatchBytes) {
      runs.push(run);
      run = [];
      bytes = RECORD_BATCH_OVERHEAD_BYTES;
    }
    run.push(item);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** A header: its name (ASCII) and value, each with a varint length. */
function header(name: string, valueBytes: number): number {
  return varIntBytes(name.length) + name.length + varIntBytes(valueBytes) + valueBytes;
}

/** Avro string / bytes of `n` bytes: a zigzag varint length, then the bytes. */
function avroString(n: number): number {
  return varIntBytes(n) + n;
}

/** Bytes of a zigzag varint of a non-negative length (Avro's and Kafka's length prefixes agree). */
function varIntBytes(n: number): number {
  let v = n * 2; // zigzag of a non-negative number, without 32-bit overflow
  let bytes = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    bytes++;
  }
  return bytes;
}
