/** The escape character LIKE uses unless `ESCAPE` says otherwise (PostgreSQL's default). */
export const DEFAULT_LIKE_ESCAPE = '\\';

/** A compiled LIKE pattern: true when the whole string matches. */
export type LikeTest = (value: string) => boolean;

/** One position of a segment: a literal code point, or ANY for `_`. */
type Item = string | typeof ANY;
const ANY = null;

/** Any UTF-16 surrogate: a value without one has exactly one code point per code unit. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Compiles a SQL LIKE pattern: `%` matches any run of characters, `_` exactly one character
 * (code point), and the escape character makes the next character literal. Every other
 * character is literal. Matching is case-sensitive. `escape` is one character, or '' for none.
 * Returns undefined for a pattern ending in the escape character (PostgreSQL refuses those too).
 *
 * No pattern is ever a regular expression, and every match runs in at most O(value × pattern)
 * steps, whatever the pattern (a backtracking RegExp made `'%a%a%a%a%a%a_b'` take seconds):
 * the pattern is split on `%` into fixed-length segments, the first and last are anchored, and
 * each middle one is taken at its leftmost fit. Patterns with only `%` wildcards (the common
 * prefix / suffix / contains cases) are matched with plain string searches.
 */
export function compileLike(pattern: string, escape: string): LikeTest | undefined {
  const segments: Item[][] = [];
  let segment: Item[] = [];
  let hasUnderscore = false;
  // By code point, so that an escaped or literal astral character is one item.
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    if (escape !== '' && char === escape) {
      i++;
      const escaped = chars[i];
      if (escaped === undefined) return undefined;
      segment.push(escaped);
    } else if (char === '%') {
      segments.push(segment);
      segment = [];
    } else if (char === '_') {
      hasUnderscore = true;
      segment.push(ANY);
    } else {
      segment.push(char);
    }
  }
  segments.push(segment);
  if (!hasUnderscore) return percentOnly(segments.map((items) => items.join('')));
  return withUnderscores(segments);
}

function withUnderscores(segments: readonly (readonly Item[])[]): LikeTest {
  const first = segments[0] ?? [];
  const last = segments[segments.length - 1] ?? [];
  const middle = segments.slice(1, -1).filter((items) => items.length > 0);
  const single = segments.length === 1;
  const minLength = single ? first.length : first.length + last.length;
  return (value) => {
    // `_` is one code point: index by code point only when the value has astral characters.
    const chars: ArrayLike<string> = SURROGATE.test(value) ? Array.from(value) : value;
    const n = chars.length;
    if (single) return n === minLength && fitsAt(chars, first, 0);
    if (n < minLength || !fitsAt(chars, first, 0) || !fitsAt(chars, last, n - last.length)) return false;
    // Segments have fixed lengths, so the leftmost fit of each leaves the most room for the rest:
    // no choice ever needs revisiting. Each search is at most (value × segment) steps.
    let from = first.length;
    const end = n - last.length;
    for (const items of middle) {
      let at = from;
      while (at + items.length <= end && !fitsAt(chars, items, at)) at++;
      if (at + items.length > end) return false;
      from = at + items.length;
    }
    return true;
  };
}

/** Whether `items` match `chars` starting at index `at` (which must leave room for them). */
function fitsAt(chars: ArrayLike<string>, items: readonly Item[], at: number): boolean {
  for (let j = 0; j < items.length; j++) {
    const item = items[j];
    if (item !== ANY && chars[at + j] !== item) return false;
  }
  return true;
}

function percentOnly(parts: readonly string[]): LikeTest {
  const first = parts[0] ?? '';
  if (parts.length === 1) return (value) => value === first;
  const last = parts[parts.length - 1] ?? '';
  if (parts.length === 2) {
    if (last === '') return (value) => value.startsWith(first);
    if (first === '') return (value) => value.endsWith(last);
  }
  const middle = parts.slice(1, -1).filter((part) => part !== '');
  if (middle.length === 1 && first === '' && last === '') {
    const only = middle[0] as string;
    return (value) => value.includes(only);
  }
  const minLength = first.length + last.length;
  return (value) => {
    if (value.length < minLength || !value.startsWith(first) || !value.endsWith(last)) return false;
    // Leftmost matches are always safe for `%`: taking a part earlier never blocks a later one.
    let from = first.length;
    const end = value.length - last.length;
    for (const part of middle) {
      const at = value.indexOf(part, from);
      if (at < 0 || at + part.length > end) return false;
      from = at + part.length;
    }
    return true;
  };
}
