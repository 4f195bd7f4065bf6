import { QueryTypeError } from '../../../src/errors/query';
import { bindParams, checkQuery, parseQuery } from '../../../src/space/query';
import { compile, resolver, thrown } from './queryFixtures';

function checked(query: string) {
  return checkQuery(parseQuery(query), resolver, query);
}

describe('bindParams', () => {
  it('refuses too few values, pointing at the first unfilled ?', () => {
    const query = 'total > ? AND name = ?';
    const error = thrown(() => bindParams(checked(query), [1]));
    expect(error).toBeInstanceOf(QueryTypeError);
    expect(error.message).toMatch(/2 parameter\(s\) but 1 value\(s\)/);
    expect(error.position).toBe(query.lastIndexOf('?'));
  });

  it('refuses too many values, pointing at the end of the query', () => {
    const query = 'total > ?';
    expect(thrown(() => bindParams(checked(query), [1, 2])).position).toBe(query.length);
    expect(thrown(() => bindParams(checked('total > 1'), [1])).position).toBe(9);
  });

  it.each([
    ['total > ?', 'ten', /number field 'total' needs a finite number, got 'ten'/],
    ['total > ?', Number.NaN, /finite number/],
    ['total > ?', 10n, /finite number/],
    ['name = ?', 3, /string field 'name' needs a string, got 3/],
    ['name = ?', null, /use IS NULL/],
    ['name = ?', undefined, /use IS NULL/],
    ['status = ?', 'LOST', /one of 'NEW', 'PAID', 'SHIPPED'/],
    ['paid = ?', 'true', /TRUE or FALSE/],
    ['amount > ?', '1e5', /decimal/],
    ['createdAt > ?', '2024-01-01', /epoch milliseconds/],
    ['createdAt > ?', new Date(Number.NaN), /an invalid Date/],
    ['status IN ?', 'NEW', /IN \? needs an array/],
    ['status IN ?', ['NEW', 'LOST'], /one of/],
    ['total IN ?', [1, null], /use IS NULL/],
    ['name LIKE ?', 5, /LIKE needs a string pattern/],
    ['name LIKE ?', 'abc\\', /ends with the escape character/],
    ['name = ? LIMIT ?', -1, /LIMIT needs a non-negative integer/],
    ['name = ? LIMIT ?', 1.5, /LIMIT needs a non-negative integer/],
  ])('refuses %p with %p', (query, value, message) => {
    const params = query.endsWith('LIMIT ?') ? ['x', value] : [value];
    const error = thrown(() => bindParams(checked(query), params));
    expect(error).toBeInstanceOf(QueryTypeError);
    expect(error.message).toMatch(message);
    expect(error.position).toBe(query.lastIndexOf('?'));
  });

  it('accepts Dates for timestamp and date fields', () => {
    const at = new Date('2024-03-01T12:00:00Z');
    const q = compile('createdAt >= ? AND day = ?', [at, new Date('2024-03-01T00:00:00Z')]);
    expect(q.matches({ createdAt: at.getTime(), day: 19783 })).toBe(true);
    expect(q.matches({ createdAt: at.getTime() - 1, day: 19783 })).toBe(false);
  });

  it('accepts numbers and decimal strings for decimal fields', () => {
    expect(compile('amount = ?', [12.5]).matches({ amount: '12.50' })).toBe(true);
    expect(compile('amount = ?', ['12.500']).matches({ amount: '12.5' })).toBe(true);
  });

  it('binds LIMIT ?', () => {
    expect(compile('name = ? LIMIT ?', ['x', 0]).limit).toBe(0);
    expect(compile('LIMIT ?', [25]).limit).toBe(25);
    expect(compile('name = ?', ['x']).limit).toBeUndefined();
  });

  it('reuses one checked query for many bindings', () => {
    const c = checked('total BETWEEN ? AND ?');
    const low = bindParams(c, [1, 5]);
    const high = bindParams(c, [10, 20]);
    expect(low.matches({ total: 3 })).toBe(true);
    expect(high.matches({ total: 3 })).toBe(false);
    expect(high.matches({ total: 15 })).toBe(true);
    expect(low.checked).toBe(high.checked);
  });
});
