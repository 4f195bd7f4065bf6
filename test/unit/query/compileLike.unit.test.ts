import fc from 'fast-check';
import { compileLike } from '../../../src/space/query';

/** Wall-clock time of `fn` in milliseconds, with its result. */
function timed<T>(fn: () => T): { result: T; ms: number } {
  const start = process.hrtime.bigint();
  const result = fn();
  return { result, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

type Token = { kind: 'char'; char: string } | { kind: 'one' } | { kind: 'many' };

/**
 * The reference LIKE: a memoised dynamic programme over code points, written from the definition
 * (escape first, then `%` any run, `_` one code point, anything else itself). Slow and obviously right.
 */
function referenceLike(value: string, pattern: string, escape: string): boolean | undefined {
  const tokens: Token[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    if (escape !== '' && char === escape) {
      if (i + 1 >= chars.length) return undefined;
      tokens.push({ kind: 'char', char: chars[++i] as string });
    } else if (char === '%') tokens.push({ kind: 'many' });
    else if (char === '_') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', char });
  }
  const text = Array.from(value);
  const memo = new Map<number, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = i * (tokens.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const token = tokens[j];
    let result: boolean;
    if (token === undefined) result = i === text.length;
    else if (token.kind === 'many') result = match(i, j + 1) || (i < text.length && match(i + 1, j));
    else if (i >= text.length) result = false;
    else result = (token.kind === 'one' || text[i] === token.char) && match(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

describe('compileLike', () => {
  describe('regression: a pattern with `_` no longer backtracks (issue 16, ReDoS)', () => {
    const pattern = '%a%a%a%a%a%a_b';
    it.each([90, 10_000])('%p a-s: answered within 50 ms, and correctly', (count) => {
      const test = compileLike(pattern, '\\');
      if (test === undefined) throw new Error('pattern refused');
      const miss = timed(() => test('a'.repeat(count)));
      expect(miss.result).toBe(false);
      expect(miss.ms).toBeLessThan(50);
      const hit = timed(() => test(`${'a'.repeat(count)}b`));
      expect(hit.result).toBe(true);
      expect(hit.ms).toBeLessThan(50);
    });

    it('many `_` segments against a long near-miss stay within 50 ms', () => {
      const test = compileLike('%a_a%a_a%a_a%a_a_c', '\\');
      if (test === undefined) throw new Error('pattern refused');
      const { result, ms } = timed(() => test('a'.repeat(10_000)));
      expect(result).toBe(false);
      expect(ms).toBeLessThan(50);
    });
  });

  it('`_` is one code point, in every position', () => {
    expect(compileLike('_', '\\')?.('😀')).toBe(true);
    expect(compileLike('__', '\\')?.('😀')).toBe(false);
    expect(compileLike('%_😀_%', '\\')?.('x😀😀😀y')).toBe(true);
    expect(compileLike('a%_b', '\\')?.('a😀b')).toBe(true);
    expect(compileLike('a%_b', '\\')?.('ab')).toBe(false);
    expect(compileLike('_\n_', '\\')?.('a\nb')).toBe(true);
  });

  it('a pattern ending in the escape character is refused', () => {
    expect(compileLike('a_\\', '\\')).toBeUndefined();
    expect(compileLike('a%!', '!')).toBeUndefined();
    expect(compileLike('a%!!', '!')).toBeDefined();
  });

  it('agrees with a reference matcher on random patterns, values and escapes', () => {
    const alphabet = ['a', 'b', '%', '_', '\\', '!', '😀'];
    const text = fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(text, text, fc.constantFrom('\\', '!', '', '%', '_'), (pattern, value, escape) => {
        const expected = referenceLike(value, pattern, escape);
        const test = compileLike(pattern, escape);
        if (expected === undefined) expect(test).toBeUndefined();
        else expect(test?.(value)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with the reference on values built to nearly match the pattern', () => {
    // Random values rarely match a long pattern; derive the value from the pattern, then mutate it.
    const alphabet = ['a', 'b', '%', '_', '\\', '😀'];
    const pattern = fc.array(fc.constantFrom(...alphabet), { maxLength: 10 }).map((chars) => chars.join(''));
    const filler = fc.array(fc.constantFrom('a', 'b', '😀'), { maxLength: 3 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(pattern, fc.array(filler, { minLength: 11, maxLength: 11 }), (p, fill) => {
        let k = 0;
        const value = Array.from(p)
          .map((char) => (char === '%' || char === '_' ? (fill[k++] ?? '') : char))
          .join('');
        const expected = referenceLike(value, p, '\\');
        const test = compileLike(p, '\\');
        if (expected === undefined) expect(test).toBeUndefined();
        else expect(test?.(value)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});
