/** The escape character LIKE uses unless `ESCAPE` says otherwise (PostgreSQL's default). */
export const DEFAULT_LIKE_ESCAPE = '\\';

/** A compiled LIKE pattern: true when the whole string matches. */
export type LikeTest = (value: string) => boolean;

const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

/**
 * Compiles a SQL LIKE pattern: `%` matches any run of characters, `_` exactly one character
 * (code point), and the escape character makes the next character literal. Every other
 * character, regular-expression syntax included, is literal. Matching is case-sensitive.
 * `escape` is one character, or '' for none. Returns undefined for a pattern ending in the
 * escape character (PostgreSQL refuses those too).
 *
 * Patterns with only `%` wildcards (the common prefix / suffix / contains cases) are matched
 * with string searches; only patterns using `_` build a RegExp.
 */
export function compileLike(pattern: string, escape: string): LikeTest | undefined {
  // Literal runs between `%`; for `_` patterns, a RegExp source is built alongside.
  const parts: string[] = [];
  let literal = '';
  let source = '';
  let hasUnderscore = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (escape !== '' && char === escape) {
      i++;
      if (i >= pattern.length) return undefined;
      literal += pattern[i];
      source += (pattern[i] as string).replace(REGEX_SYNTAX, '\\$&');
    } else if (char === '%') {
      parts.push(literal);
      literal = '';
      source += '.*';
    } else if (char === '_') {
      hasUnderscore = true;
      source += '.';
    } else {
      literal += char;
      source += char.replace(REGEX_SYNTAX, '\\$&');
    }
  }
  parts.push(literal);
  if (hasUnderscore) {
    const regex = new RegExp(`^${source}$`, 'su');
    return (value) => regex.test(value);
  }
  return percentOnly(parts);
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
