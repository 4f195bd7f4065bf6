import { QuerySyntaxError } from '../../../src/errors/query';
import {
  DEFAULT_MAX_QUERY_DEPTH,
  DEFAULT_MAX_QUERY_LENGTH,
  parseQuery,
  QueryCache,
} from '../../../src/space/query';
import { compile, resolver, thrown } from './queryFixtures';

const parenthesised = (depth: number): string => `${'('.repeat(depth)}qty = 1${')'.repeat(depth)}`;
const negated = (depth: number): string => `${'NOT '.repeat(depth)}qty = 1`;

describe('query limits', () => {
  describe('regression: deep nesting is a QuerySyntaxError, not a RangeError (issue 16)', () => {
    it.each([500, 5_000])('%p-deep parentheses', (depth) => {
      const error = thrown(() => parseQuery(parenthesised(depth)));
      expect(error).toBeInstanceOf(QuerySyntaxError);
      expect(error.message).toContain(`limit of ${DEFAULT_MAX_QUERY_DEPTH} levels`);
      // The first `(` past the limit.
      expect(error.position).toBe(DEFAULT_MAX_QUERY_DEPTH);
      // The message quotes only the start of a hostile query.
      expect(error.message.length).toBeLessThan(400);
    });

    it.each([500, 5_000])('%p NOTs', (depth) => {
      expect(thrown(() => parseQuery(negated(depth)))).toBeInstanceOf(QuerySyntaxError);
    });

    it('unclosed parentheses past the limit', () => {
      expect(thrown(() => parseQuery('('.repeat(5_000)))).toBeInstanceOf(QuerySyntaxError);
    });
  });

  it('nesting up to the limit parses, checks and matches', () => {
    const depth = DEFAULT_MAX_QUERY_DEPTH;
    expect(compile(parenthesised(depth)).matches({ qty: 1 })).toBe(true);
    const mixed = `${'NOT ('.repeat(depth / 2)}qty = 1${')'.repeat(depth / 2)}`;
    expect(compile(mixed).matches({ qty: 1 })).toBe(true);
    expect(thrown(() => parseQuery(parenthesised(depth + 1)))).toBeInstanceOf(QuerySyntaxError);
  });

  it('depth counts nesting, not how many parenthesised conditions there are', () => {
    const wide = Array.from({ length: 3 * DEFAULT_MAX_QUERY_DEPTH }, () => '(NOT qty = 1)').join(' OR ');
    expect(compile(wide).matches({ qty: 2 })).toBe(true);
    const list = `qty IN (${Array.from({ length: 500 }, (_, i) => i).join(', ')})`;
    expect(compile(list).matches({ qty: 499 })).toBe(true);
  });

  it('refuses text longer than the limit before reading it, and says so', () => {
    const long = `qty = 1${' '.repeat(DEFAULT_MAX_QUERY_LENGTH)}`;
    const error = thrown(() => parseQuery(long));
    expect(error).toBeInstanceOf(QuerySyntaxError);
    expect(error.message).toContain(`limit of ${DEFAULT_MAX_QUERY_LENGTH}`);
    expect((error as QuerySyntaxError).query.length).toBe(DEFAULT_MAX_QUERY_LENGTH);
    expect(error.message.length).toBeLessThan(400);
    expect(parseQuery(long.slice(0, DEFAULT_MAX_QUERY_LENGTH)).where).toBeDefined();
  });

  it('takes other limits, and a QueryCache applies its own', () => {
    expect(() => parseQuery('((qty = 1))', { maxDepth: 2 })).not.toThrow();
    expect(thrown(() => parseQuery('((qty = 1))', { maxDepth: 1 }))).toBeInstanceOf(QuerySyntaxError);
    expect(thrown(() => parseQuery('NOT NOT qty = 1', { maxDepth: 1 }))).toBeInstanceOf(QuerySyntaxError);
    expect(thrown(() => parseQuery('qty = 1', { maxLength: 5 })).message).toContain('limit of 5');
    const cache = new QueryCache(10, { maxDepth: 1 });
    expect(thrown(() => cache.get('Order', '((qty = 1))', resolver))).toBeInstanceOf(QuerySyntaxError);
    expect(cache.get('Order', '(qty = 1)', resolver).where).toBeDefined();
  });

  it('a refused query leaves the parser usable', () => {
    thrown(() => parseQuery(parenthesised(5_000)));
    expect(compile('(qty = 1) AND NOT (qty = 2)').matches({ qty: 1 })).toBe(true);
  });
});
