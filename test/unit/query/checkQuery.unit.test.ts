import { QueryTypeError } from '../../../src/errors/query';
import { checkQuery, parseQuery } from '../../../src/space/query';
import { resolver, thrown } from './queryFixtures';

function check(query: string) {
  return checkQuery(parseQuery(query), resolver, query);
}

describe('checkQuery', () => {
  it('accepts well-typed queries on every kind', () => {
    const query = [
      "id = 'a' AND status IN ('NEW', 'PAID') AND total >= 1.5 AND amount > 10 AND amount < '20.05'",
      'paid = TRUE AND createdAt > 1700000000000 AND day <= 19000',
      "ref = '00000000-0000-0000-0000-000000000000' AND customer.city LIKE 'Par%'",
      'photo IS NULL AND lines IS NOT NULL AND customer IS NOT NULL AND attrs IS NULL',
      "shipping.address.zip <> '75001' AND status > 'NEW'",
    ].join(' AND ');
    const checked = check(query);
    expect(checked.params).toEqual([]);
    expect(checked.constantMatcher).toBeDefined();
  });

  it.each([
    ['nope = 1', 'nope', /unknown field 'nope'/],
    ["id = 'x' AND customer.zip = 1", 'customer.zip', /unknown field 'customer.zip'/],
    ["name = 'x' ORDER BY nope", 'nope', /unknown field 'nope'/],
    ["total = 'ten'", "'ten'", /cannot compare number field 'total' with 'ten'/],
    ['name = 3', '3', /cannot compare string field 'name' with 3/],
    ["createdAt < '2024-01-01'", "'2024-01-01'", /timestamp/],
    ["status = 'LOST'", "'LOST'", /one of 'NEW', 'PAID', 'SHIPPED'/],
    ["status IN ('NEW', 'GONE')", "'GONE'", /enum/],
    ['paid = 1', '1', /TRUE or FALSE/],
    ["amount = 'ten'", "'ten'", /decimal/],
    ['total LIKE 1', 'total', /LIKE needs a string field/],
    ["paid LIKE 'x'", 'paid', /LIKE needs a string field/],
    ['name LIKE 5', '5', /LIKE needs a string pattern/],
    ["name LIKE 'x' ESCAPE 'ab'", "'ab'", /ESCAPE/],
    ["name LIKE 'ab!' ESCAPE '!'", "'ab!'", /ends with the escape character/],
    ['paid < TRUE', 'paid', /cannot use '<' on boolean field 'paid'/],
    ['paid BETWEEN FALSE AND TRUE', 'paid', /boolean/],
    ['customer = 1', 'customer', /record field 'customer' can only be tested with IS NULL/],
    ['lines > 1', 'lines', /array/],
    ["attrs = 'x'", 'attrs', /map/],
    ['photo = ?', 'photo', /bytes/],
    ['photo IN (?)', 'photo', /bytes/],
    ['total = NULL', 'NULL', /use IS NULL/],
    ["status IN ('NEW', NULL)", 'NULL', /use IS NULL/],
    ["name = 'x' ORDER BY lines", 'lines', /cannot ORDER BY array/],
  ])('refuses %p at the position of %p', (query, at, message) => {
    const error = thrown(() => check(query));
    expect(error).toBeInstanceOf(QueryTypeError);
    expect(error.code).toBe('QUERY_TYPE');
    expect(error.message).toMatch(message);
    // Each case puts the offending field or literal last in the text.
    expect(error.position).toBe(query.lastIndexOf(at));
  });

  it('records what each parameter must receive', () => {
    const checked = check("total > ? AND status IN ? AND name LIKE ? ESCAPE '!' LIMIT ?");
    expect(
      checked.params.map((slot) => [slot.index, slot.role, slot.path, slot.field?.kind, slot.escape]),
    ).toEqual([
      [0, 'value', 'total', 'number', ''],
      [1, 'list', 'status', 'enum', ''],
      [2, 'pattern', 'name', 'string', '!'],
      [3, 'limit', '', undefined, ''],
    ]);
    expect(checked.limitParam).toBe(3);
    expect(checked.constantMatcher).toBeUndefined();
  });

  it('exposes ORDER BY and a literal LIMIT', () => {
    const checked = check('ORDER BY customer.city DESC, id LIMIT 7');
    expect(checked.orderBy).toEqual([
      { path: 'customer.city', direction: 'desc' },
      { path: 'id', direction: 'asc' },
    ]);
    expect(checked.limit).toBe(7);
  });
});
