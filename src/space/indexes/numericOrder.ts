/** Float64Array and Uint32Array views share the platform's byte order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const SIGN = 0x80000000;
const RADIX = 0x10000;

/**
 * @internal
 * The stable sorted order (indices into `keys`) of numeric keys, in compareValues order (NaN last,
 * -0 equal to 0), or undefined when a key is not a number (the caller then sorts with its comparator).
 * An LSD radix sort on the keys' IEEE-754 bits, 16 bits a pass, in place of a comparator sort (measured
 * on the bulk load of an ordered index of 250,000 random doubles: 197 ms -> 116-148 ms for the whole
 * load, key reads and tree build included). Ties keep their index order.
 */
export function numericOrder(keys: readonly unknown[]): Uint32Array | undefined {
  const n = keys.length;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    if (typeof key !== 'number') return undefined;
    // One NaN (a positive one sorts last) and one zero (-0 is equal to 0, so arrival order decides).
    values[i] = key !== key ? NaN : key === 0 ? 0 : key;
  }
  const words = new Uint32Array(values.buffer);
  const high = new Uint32Array(n);
  const low = new Uint32Array(n);
  const [hi, lo] = LITTLE_ENDIAN ? [1, 0] : [0, 1];
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + hi] as number;
    const l = words[2 * i + lo] as number;
    // Order-preserving unsigned form: negatives flip every bit, positives flip the sign bit.
    if (h & SIGN) {
      high[i] = ~h >>> 0;
      low[i] = ~l >>> 0;
    } else {
      high[i] = (h | SIGN) >>> 0;
      low[i] = l;
    }
  }
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let spare = new Uint32Array(n);
  const counts = new Uint32Array(RADIX + 1);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? low : high;
    const shift = pass % 2 === 0 ? 0 : 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const slot = (((word[i] as number) >>> shift) & 0xffff) + 1;
      counts[slot] = (counts[slot] as number) + 1;
    }
    if (counts[(((word[0] as number) >>> shift) & 0xffff) + 1] === n) continue; // one digit: nothing moves
    for (let d = 0; d < RADIX; d++) counts[d + 1] = (counts[d + 1] as number) + (counts[d] as number);
    for (let i = 0; i < n; i++) {
      const at = order[i] as number;
      const digit = ((word[at] as number) >>> shift) & 0xffff;
      spare[counts[digit] as number] = at;
      counts[digit] = (counts[digit] as number) + 1;
    }
    [order, spare] = [spare, order];
  }
  return order;
}
