import path from 'node:path';

/** The schema folder with the type that uses every Avro type and logical type Spacelog accepts. */
export const EVERYTHING_SCHEMAS = path.join(__dirname, '..', '..', 'fixtures', 'schemas', 'everything');

const bytes = (...values: number[]): Buffer => Buffer.from(values);

/** A nested Inner record; `n` varies every value. */
export function inner(n: number): Record<string, unknown> {
  return {
    blob: bytes(0, 255, n % 256, 0x2b, 0x2f),
    digest: bytes(1, 2, 3, n % 256),
    micros: 1_700_000_000_123_456 + n * 1_000_001,
    day: 19_000 + n,
    ratio: Math.fround(0.1 * (n + 1)),
    precise: n % 3 === 0 ? Number.NaN : n % 3 === 1 ? -Infinity : 1 / 3 + n,
    color: ['RED', 'GREEN', 'BLUE'][n % 3],
    tags: n % 2 === 0 ? [] : ['a', `t${n}`],
    maybe: n % 2 === 0 ? null : bytes(n % 256, 0),
    key: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  };
}

/** An Everything entry; `n` varies every value (microseconds included). */
export function everything(id: string, n: number): Record<string, unknown> {
  const choices: unknown[] = [
    null,
    2.5 + n,
    Number.NaN,
    bytes(9, n % 256),
    inner(n + 7),
    [bytes(0, 0, 0, n % 256)],
  ];
  return {
    id,
    flag: n % 2 === 0,
    small: -2_147_483_648 + n,
    big: 9_007_199_254_740_990 - n,
    ratio: Math.fround(1.1 + n),
    precise: Math.PI * n,
    blob: bytes(0, 1, 2, 250, n % 256),
    digest: bytes(n % 256, 4, 3, 2),
    color: ['RED', 'GREEN', 'BLUE'][(n + 1) % 3],
    at: 1_700_000_000_123 + n,
    atMicros: 1_700_000_000_123_456 + n * 7,
    localAt: 1_700_000_000_456 + n,
    day: 19_500 + n,
    timeOfDay: 45_296_789 + n,
    timeMicros: 45_296_789_123 + n,
    localMicros: 1_700_000_000_654_321 + n,
    key: `00000000-0000-4000-8000-${String(n + 100).padStart(12, '0')}`,
    maybeMicros: n % 2 === 0 ? null : 1_700_000_000_000_001 + n,
    maybeBytes: n % 2 === 0 ? null : bytes(7, 7, n % 256),
    maybeText: n % 2 === 0 ? null : `text ${n}`,
    inner: inner(n),
    items: [inner(n + 1), inner(n + 2)],
    byName: { a: bytes(1), [`k${n}`]: bytes(2, n % 256) },
    matrix: [[1.5, Number.POSITIVE_INFINITY], [], [n]],
    choice: choices[n % choices.length],
    maybeInner: n % 2 === 0 ? null : inner(n + 3),
  };
}
