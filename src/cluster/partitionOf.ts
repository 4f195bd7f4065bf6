/**
 * Kafka's murmur2 (the same function as Java's `org.apache.kafka.common.utils.Utils.murmur2`),
 * so a service written in any Kafka language can compute which partition holds a routing value.
 */
export function murmur2(data: Uint8Array): number {
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  const length = data.length;
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
  return (murmur2(Buffer.from(text, 'utf8')) & 0x7fffffff) % partitions;
}
