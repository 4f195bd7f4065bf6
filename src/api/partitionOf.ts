/**
 * Kafka's murmur2 (the same function as Java's `org.apache.kafka.common.utils.Utils.murmur2`),
 * so a service written in any Kafka language can compute which partition holds a routing value.
 */
export function murmur2(data: Uint8Array, length: number = data.length): number {
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (seed ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k =
      (data[i4]! & 0xff) |
      ((data[i4 + 1]! & 0xff) << 8) |
      ((data[i4 + 2]! & 0xff) << 16) |
      ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length4 * 4;
  const rest = length % 4;
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition of a routing value: `toPositive(murmur2(utf8(String(value)))) mod partitions`,
 * exactly as Kafka's default partitioner places a record key.
 */
export function partitionOf(routingValue: unknown, partitions: number): number {
  const text = typeof routingValue === 'string' ? routingValue : String(routingValue);
  return (murmur2Utf8(text) & 0x7fffffff) % partitions;
}

/** Reused for ASCII routing values (most ids): their UTF-8 bytes are their char codes. */
let scratch = new Uint8Array(64);

/**
 * murmur2 of a string's UTF-8 bytes. An ASCII string is copied into a reused buffer (no allocation:
 * routing runs on every operation, and `Buffer.from` cost most of it); any other goes through Buffer.
 */
function murmur2Utf8(text: string): number {
  const length = text.length;
  if (length > scratch.length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return murmur2(Buffer.from(text, 'utf8'));
    scratch[i] = code;
  }
  return murmur2(scratch, length);
}
