import { QuerySyntaxError, QueryTypeError } from '../../../src/errors/query';
import type { FieldResolver } from '../../../src/schema/FieldKind';
import { bindParams, DEFAULT_QUERY_CACHE_SIZE, QueryCache } from '../../../src/space/query';
import { resolver, thrown } from './queryFixtures';

describe('QueryCache', () => {
  it('parses and checks a query once per (type, text)', () => {
    const cache = new QueryCache();
    const calls: string[] = [];
    const counting: FieldResolver = (path) => {
      calls.push(path);
      return resolver(path);
    };
    const first = cache.get('Order', 'total > ?', counting);
    const again = cache.get('Order', 'total > ?', counting);
    expect(again).toBe(first);
    expect(calls).toEqual(['total']);
    expect(cache.get('Invoice', 'total > ?', counting)).not.toBe(first);
    expect(cache.size).toBe(2);
    expect(bindParams(again, [3]).matches({ total: 4 })).toBe(true);
  });

  it('evicts the least recently used query beyond its capacity', () => {
    const cache = new QueryCache(2);
    cache.get('T', 'qty = 1', resolver);
    cache.get('T', 'qty = 2', resolver);
    cache.get('T', 'qty = 1', resolver); // now most recent
    cache.get('T', 'qty = 3', resolver);
    expect(cache.has('T', 'qty = 1')).toBe(true);
    expect(cache.has('T', 'qty = 2')).toBe(false);
    expect(cache.has('T', 'qty = 3')).toBe(true);
    expect(cache.size).toBe(2);
    expect(new QueryCache().capacity).toBe(DEFAULT_QUERY_CACHE_SIZE);
  });

  it('does not cache failures', () => {
    const cache = new QueryCache();
    expect(thrown(() => cache.get('T', 'qty =', resolver))).toBeInstanceOf(QuerySyntaxError);
    expect(thrown(() => cache.get('T', 'nope = 1', resolver))).toBeInstanceOf(QueryTypeError);
    expect(cache.size).toBe(0);
  });

  it('forgets one type on invalidateType, everything on clear', () => {
    const cache = new QueryCache();
    cache.get('A', 'qty = 1', resolver);
    cache.get('AB', 'qty = 1', resolver);
    cache.invalidateType('A');
    expect(cache.has('A', 'qty = 1')).toBe(false);
    expect(cache.has('AB', 'qty = 1')).toBe(true);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
