/**
 * The one total order Spacelog uses for query values, ordered indexes and ORDER BY.
 *
 * - numbers numerically (NaN after every other number, as PostgreSQL does);
 * - strings by Unicode code point, which is UTF-8 byte order: the same as `Buffer.compare` on their
 *   UTF-8 bytes and as PostgreSQL's `C` collation, so the mirror sorts like the space;
 * - booleans false before true;
 * - `null` and `undefined` (a missing field) are equal to each other and greater than every value,
 *   PostgreSQL's rule: ascending order puts them last (NULLS LAST), descending first (NULLS FIRST);
 * - values of different types (which a typed field never holds) order by type:
 *   boolean < number < string < anything else, so the order stays total.
 *
 * Returns a negative number, zero or a positive number.
 */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined) return -1;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'number' && tb === 'number') return compareNumbers(a as number, b as number);
  if (ta === 'string' && tb === 'string') return compareStrings(a as string, b as string);
  if (ta === 'boolean' && tb === 'boolean') return a ? 1 : -1;
  return typeRank(ta) - typeRank(tb);
}

/** Lexicographic order of index key tuples, each position by `compareValues`; a prefix sorts first. */
export function compareKeyTuples(a: readonly unknown[], b: readonly unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Code point order of two strings (see compareValues). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (0xD800-0xDFFF) stand for code points above 0xFFFF, so they must sort after
      // 0xE000-0xFFFF, which plain UTF-16 code unit order gets wrong.
      if (x >= 0xd800 && y >= 0xd800) return surrogateAware(x) - surrogateAware(y);
      return x - y;
    }
  }
  return a.length - b.length;
}

function surrogateAware(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  // At least one is NaN.
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  return -1;
}

function typeRank(type: string): number {
  switch (type) {
    case 'boolean':
      return 0;
    case 'number':
      return 1;
    case 'string':
      return 2;
    default:
      return 3;
  }
}
