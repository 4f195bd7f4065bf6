import { compile } from './queryFixtures';

type Row = Record<string, unknown>;

const rows: Row[] = [
  {
    id: 'a',
    name: 'Ann',
    status: 'NEW',
    total: 10,
    qty: 1,
    paid: true,
    customer: { city: 'Paris', age: 30 },
  },
  {
    id: 'b',
    name: 'Bob',
    status: 'PAID',
    total: 20,
    qty: 2,
    paid: false,
    customer: { city: 'Lyon', age: null },
  },
  { id: 'c', name: null, status: 'SHIPPED', total: null, qty: 3, paid: null, customer: null },
  { id: 'd', status: 'NEW', qty: 4, shipping: { address: { zip: '75001' } } },
];

function ids(query: string, params: unknown[] = []): string[] {
  const q = compile(query, params);
  return rows.filter(q.matches).map((row) => row.id as string);
}

describe('BoundQuery.matches', () => {
  it.each([
    ['total = 10', ['a']],
    ['total <> 10', ['b']],
    ['total < 20', ['a']],
    ['total <= 20', ['a', 'b']],
    ['total > 10', ['b']],
    ['total >= 10', ['a', 'b']],
    ['total BETWEEN 10 AND 15', ['a']],
    ['total NOT BETWEEN 11 AND 30', ['a']],
    ['qty IN (1, 3, 9)', ['a', 'c']],
    ['qty NOT IN (1, 3)', ['b', 'd']],
    ["status = 'NEW'", ['a', 'd']],
    ["status > 'NEW'", ['b', 'c']],
    ['paid = TRUE', ['a']],
    ['paid <> TRUE', ['b']],
    ['total IS NULL', ['c', 'd']],
    ['total IS NOT NULL', ['a', 'b']],
    ["customer.city = 'Lyon'", ['b']],
    ['customer.age IS NULL', ['b', 'c', 'd']],
    ["shipping.address.zip = '75001'", ['d']],
    ['shipping.address.zip IS NULL', ['a', 'b', 'c']],
    ['qty = 1 OR qty = 4', ['a', 'd']],
    ["qty > 1 AND status = 'NEW'", ['d']],
    ['', ['a', 'b', 'c', 'd']],
  ])('%s', (query, expected) => {
    expect(ids(query)).toEqual(expected);
  });

  describe('three-valued logic', () => {
    it('never matches a comparison, or its negation, on a null or missing field', () => {
      expect(ids('total = 10')).not.toContain('c');
      expect(ids('NOT (total = 10)')).toEqual(['b']);
      expect(ids('NOT (total < 15)')).toEqual(['b']);
      expect(ids('NOT total IN (10)')).toEqual(['b']);
      expect(ids("NOT name LIKE 'A%'")).toEqual(['b']);
      expect(ids('NOT paid = TRUE')).toEqual(['b']);
    });

    it('follows Kleene AND / OR: unknown OR true is true, unknown AND false is false', () => {
      expect(ids('total = 10 OR qty = 3')).toEqual(['a', 'c']);
      expect(ids('NOT (total = 99 AND qty = 3)')).toEqual(['a', 'b', 'd']);
      expect(ids('NOT (total = 99 OR qty = 3)')).toEqual(['a', 'b']);
    });

    it('makes IS NULL two-valued', () => {
      expect(ids('NOT total IS NULL')).toEqual(['a', 'b']);
      expect(ids('NOT (total IS NULL OR qty = 1)')).toEqual(['b']);
    });

    it('treats an empty IN ? list as false and an empty NOT IN ? list as true, nulls included', () => {
      expect(ids('total IN ?', [[]])).toEqual([]);
      expect(ids('total NOT IN ?', [[]])).toEqual(['a', 'b', 'c', 'd']);
      expect(ids('NOT total IN ?', [[]])).toEqual(['a', 'b', 'c', 'd']);
    });
  });

  describe('parameters', () => {
    it('binds values, lists and patterns', () => {
      expect(ids('total >= ? AND status IN ?', [10, ['PAID', 'SHIPPED']])).toEqual(['b']);
      expect(ids('qty IN (?, ?)', [2, 4])).toEqual(['b', 'd']);
      expect(ids('name LIKE ?', ['_o_'])).toEqual(['b']);
      expect(ids('NOT (qty = ?)', [3])).toEqual(['a', 'b', 'd']);
    });
  });

  describe('LIKE', () => {
    const like = (value: string, pattern: string, escape?: string): boolean => {
      const clause = escape === undefined ? '' : ` ESCAPE '${escape}'`;
      return compile(`name LIKE ?${clause}`, [pattern]).matches({ name: value });
    };

    it.each([
      ['abc', 'abc', true],
      ['abc', 'ab', false],
      ['abc', 'a%', true],
      ['abc', '%c', true],
      ['abc', '%b%', true],
      ['abc', '%x%', false],
      ['abc', 'a%b%c', true],
      ['abcbc', 'a%bc', true],
      ['ab', 'a%b%b', false],
      ['abc', '_b_', true],
      ['abc', '__', false],
      ['a\nc', 'a_c', true],
      ['a😀c', 'a_c', true],
      ['', '%', true],
      ['', '_', false],
      ['ABC', 'abc', false],
    ])('%p LIKE %p is %p', (value, pattern, expected) => {
      expect(like(value, pattern)).toBe(expected);
    });

    it('treats regular-expression syntax in patterns as literal characters', () => {
      expect(like('a.c', 'a.c')).toBe(true);
      expect(like('abc', 'a.c')).toBe(false);
      expect(like('a+b', 'a+b')).toBe(true);
      expect(like('aab', 'a+b')).toBe(false);
      expect(like('x(y)[z]{1}|^$?*\\/', 'x(y)[z]{1}|^$?*\\\\/')).toBe(true);
      expect(like('a.c_', '_._\\_')).toBe(true);
      expect(like('abcd', '_._\\_')).toBe(false);
      expect(like('(.*)', '(.*)')).toBe(true);
      expect(like('anything', '(.*)')).toBe(false);
      expect(like('x(.*)+y', '_(.*)+_')).toBe(true);
      expect(like('x(ab)+y', '_(.*)+_')).toBe(false);
    });

    it('escapes % and _ with backslash by default, or with the ESCAPE character', () => {
      expect(like('100%', '100\\%')).toBe(true);
      expect(like('1000', '100\\%')).toBe(false);
      expect(like('a_b', 'a\\_b')).toBe(true);
      expect(like('axb', 'a\\_b')).toBe(false);
      expect(like('100%', '100!%', '!')).toBe(true);
      expect(like('a\\b', 'a\\b', '!')).toBe(true);
      expect(like('a!b', 'a!!b', '!')).toBe(true);
      expect(like('a\\b', 'a\\b', '')).toBe(true);
      expect(compile("name LIKE 'x!%' ESCAPE '!'").matches({ name: 'x%' })).toBe(true);
      expect(compile("name LIKE 'x!%' ESCAPE '!'").matches({ name: 'xy' })).toBe(false);
    });

    it('works on uuid and enum fields', () => {
      expect(compile("status LIKE 'SHIP%'").matches({ status: 'SHIPPED' })).toBe(true);
      expect(compile("ref LIKE '0000%'").matches({ ref: '00000000-0000' })).toBe(true);
    });
  });

  it('compares decimal fields as exact numbers, not text', () => {
    const amounts = ['9.99', '10', '10.00', '100.5', '-3', '0.10'];
    const q = (query: string): string[] => {
      const bound = compile(query);
      return amounts.filter((amount) => bound.matches({ amount }));
    };
    expect(q('amount > 9.999')).toEqual(['10', '10.00', '100.5']);
    expect(q("amount = '10.0'")).toEqual(['10', '10.00']);
    expect(q('amount < 0.1')).toEqual(['-3']);
    expect(q('amount IN (0.1, 100.50)')).toEqual(['100.5', '0.10']);
    expect(q('amount NOT IN (10, -3)')).toEqual(['9.99', '100.5', '0.10']);
    expect(compile('amount > 1').matches({ amount: null })).toBe(false);
  });

  it('compares strings by code point, so astral characters sort after U+FFFF', () => {
    expect(compile("name > '\uffff'").matches({ name: '😀' })).toBe(true);
    expect(compile("name < '😀'").matches({ name: '\uffee' })).toBe(true);
  });
});

describe('ORDER BY and LIMIT', () => {
  const people: Row[] = [
    { id: '1', total: 5, name: 'b' },
    { id: '2', total: null, name: 'a' },
    { id: '3', total: 1, name: 'c' },
    { id: '4', name: 'a' },
    { id: '5', total: 5, name: 'a' },
  ];

  const order = (query: string): string[] => {
    const q = compile(query);
    return [...people].sort(q.compare).map((row) => row.id as string);
  };

  it('sorts ascending with nulls last, descending with nulls first (PostgreSQL)', () => {
    expect(order('ORDER BY total').slice(0, 3)).toEqual(['3', '1', '5']);
    expect(order('ORDER BY total').slice(3).sort()).toEqual(['2', '4']);
    expect(order('ORDER BY total DESC').slice(0, 2).sort()).toEqual(['2', '4']);
    expect(order('ORDER BY total DESC').slice(2)).toEqual(['1', '5', '3']);
  });

  it('breaks ties with the next items', () => {
    expect(order('ORDER BY total DESC, name ASC')).toEqual(['2', '4', '5', '1', '3']);
    expect(order('ORDER BY name, total DESC')).toEqual(['2', '4', '5', '1', '3']);
  });

  it('orders decimals numerically', () => {
    const q = compile('ORDER BY amount DESC');
    const sorted = [{ amount: '9.5' }, { amount: '10' }, { amount: null }, { amount: '-1' }].sort(q.compare);
    expect(sorted.map((row) => row.amount)).toEqual([null, '10', '9.5', '-1']);
  });

  it('exposes ORDER BY items and LIMIT to the engine', () => {
    const q = compile('total > 0 ORDER BY customer.city DESC, id LIMIT 2');
    expect(q.orderBy).toEqual([
      { path: 'customer.city', direction: 'desc' },
      { path: 'id', direction: 'asc' },
    ]);
    expect(q.limit).toBe(2);
    expect(compile('total > 0').compare(people[0]!, people[1]!)).toBe(0);
  });
});
