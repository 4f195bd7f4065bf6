import { BasicAuthCache } from '../../../src/http/BasicAuthCache';

describe('BasicAuthCache', () => {
  test('remembers accepted credentials for its TTL only, for that exact password', () => {
    let now = 0;
    const cache = new BasicAuthCache(1000, 10, () => now);
    cache.remember('ops', 's3cret', 'ops');
    expect(cache.get('ops', 's3cret')).toBe('ops');
    expect(cache.get('ops', 's3cret!')).toBeUndefined();
    expect(cache.get('ops:', 's3cret')).toBeUndefined();
    now = 999;
    expect(cache.get('ops', 's3cret')).toBe('ops');
    now = 1000;
    expect(cache.get('ops', 's3cret')).toBeUndefined();
  });

  test('keeps at most `size` credentials, forgetting the oldest first', () => {
    const cache = new BasicAuthCache(60_000, 2);
    cache.remember('a', 'pa', 'a');
    cache.remember('b', 'pb', 'b');
    cache.remember('c', 'pc', 'c');
    expect([cache.get('a', 'pa'), cache.get('b', 'pb'), cache.get('c', 'pc')]).toEqual([undefined, 'b', 'c']);
  });

  test('a user name ending where the password starts is not the same credential (the separator is kept)', () => {
    const cache = new BasicAuthCache();
    cache.remember('ab', 'c', 'ab');
    expect(cache.get('a', 'bc')).toBeUndefined();
  });
});
