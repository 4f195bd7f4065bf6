/**
 * Number of bytes of the Avro zig-zag varint encoding of an integer (int or long).
 * Works on doubles so it is exact for every safe integer.
 * @internal
 */
export function varintSize(value: number): number {
  if (value >= -64 && value < 64) return 1;
  let n = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Avro size of a string: length prefix plus its UTF-8 bytes (ASCII fast path, no allocation). */
export function stringSize(value: string): number {
  const length = value.length;
  let bytes = length;
  // Most strings in entries are short and ASCII: scanning char codes avoids a native call.
  if (length > 64) {
    bytes = Buffer.byteLength(value, 'utf8');
  } else {
    for (let i = 0; i < length; i++) {
      if (value.charCodeAt(i) > 0x7f) {
        bytes = Buffer.byteLength(value, 'utf8');
        break;
      }
    }
  }
  return varintSize(bytes) + bytes;
}
