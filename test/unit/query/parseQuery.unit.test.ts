import { QuerySyntaxError } from '../../../src/errors/query';
import { parseQuery } from '../../../src/space/query';
import type {
  ComparisonNode,
  ConditionNode,
  InNode,
  JunctionNode,
  LikeNode,
  NotNode,
} from '../../../src/space/query';
import { thrown } from './queryFixtures';

/** A compact rendering of a condition tree, to assert shape and precedence. */
function show(node: ConditionNode | undefined): string {
  if (node === undefined) return '<all>';
  switch (node.type) {
    case 'and':
    case 'or':
      return `(${node.operands.map(show).join(` ${node.type.toUpperCase()} `)})`;
    case 'not':
      return `NOT ${show(node.operand)}`;
    case 'comparison':
      return `${node.field.path}${node.operator}${value(node.value)}`;
    case 'in':
      return `${node.field.path} ${node.negated ? 'NOT IN' : 'IN'} ${
        Array.isArray(node.values) ? `[${node.values.map(value).join(',')}]` : value(node.values as never)
      }`;
    case 'like':
      return `${node.field.path} ${node.negated ? 'NOT LIKE' : 'LIKE'} ${value(node.pattern)}`;
    case 'isNull':
      return `${node.field.path} IS ${node.negated ? 'NOT ' : ''}NULL`;
  }
}

function value(v: ComparisonNode['value']): string {
  return v.type === 'param' ? `?${v.index}` : JSON.stringify(v.value);
}

describe('parseQuery', () => {
  it.each([
    ['a = 1', 'a=1'],
    ['a <> 1', 'a<>1'],
    ['a != 1', 'a<>1'],
    ['a < 1', 'a<1'],
    ['a <= 1', 'a<=1'],
    ['a > 1', 'a>1'],
    ['a >= 1', 'a>=1'],
    ["a IN (1, 'x', ?)", 'a IN [1,"x",?0]'],
    ['a NOT IN (1, 2)', 'a NOT IN [1,2]'],
    ['a IN ?', 'a IN ?0'],
    ["a LIKE 'x%'", 'a LIKE "x%"'],
    ["a NOT LIKE '_x'", 'a NOT LIKE "_x"'],
    ['a IS NULL', 'a IS NULL'],
    ['a IS NOT NULL', 'a IS NOT NULL'],
    ['a BETWEEN 1 AND 5', '(a>=1 AND a<=5)'],
    ['a NOT BETWEEN 1 AND 5', 'NOT (a>=1 AND a<=5)'],
    ['NOT a = 1', 'NOT a=1'],
  ])('parses %s', (query, expected) => {
    expect(show(parseQuery(query).where)).toBe(expected);
  });

  it('gives NOT precedence over AND, and AND over OR', () => {
    expect(show(parseQuery('a = 1 OR b = 2 AND NOT c = 3').where)).toBe('(a=1 OR (b=2 AND NOT c=3))');
    expect(show(parseQuery('NOT a = 1 AND b = 2').where)).toBe('(NOT a=1 AND b=2)');
    expect(show(parseQuery('a = 1 AND b = 2 OR c = 3 AND d = 4').where)).toBe(
      '((a=1 AND b=2) OR (c=3 AND d=4))',
    );
  });

  it('lets parentheses override precedence', () => {
    expect(show(parseQuery('(a = 1 OR b = 2) AND c = 3').where)).toBe('((a=1 OR b=2) AND c=3)');
    expect(show(parseQuery('NOT (a = 1 AND (b = 2 OR c = 3))').where)).toBe('NOT (a=1 AND (b=2 OR c=3))');
  });

  it('reads literals: strings with quote escapes, integers, decimals, negatives, booleans, NULL', () => {
    const where = parseQuery(
      "a = 'it''s' AND b = 42 AND c = 3.25 AND d = -7 AND e = -0.5 AND f = TRUE AND g = false",
    ).where as JunctionNode;
    expect(
      (where.operands as ComparisonNode[]).map((c) => (c.value.type === 'literal' ? c.value.value : '?')),
    ).toEqual(["it's", 42, 3.25, -7, -0.5, true, false]);
    const nullValue = (parseQuery('a = NULL').where as ComparisonNode).value;
    expect(nullValue).toMatchObject({ type: 'literal', value: null });
    expect((parseQuery("a = ''").where as ComparisonNode).value).toMatchObject({ value: '' });
  });

  it('keeps the source text of numbers (for decimal fields)', () => {
    expect((parseQuery('a = -12.50').where as ComparisonNode).value).toMatchObject({
      value: -12.5,
      raw: '-12.50',
    });
  });

  it('reads nested dotted paths and quoted names', () => {
    const node = parseQuery('shipping.address.zip = ?').where as ComparisonNode;
    expect(node.field).toMatchObject({
      path: 'shipping.address.zip',
      segments: ['shipping', 'address', 'zip'],
    });
    expect((parseQuery('"limit" = 1').where as ComparisonNode).field.path).toBe('limit');
  });

  it('is case-insensitive for keywords but not for field names', () => {
    const ast = parseQuery(
      "where Status in ('A') and not Name like 'x' escape '!' Order By Status DeSc LiMiT 3",
    );
    expect(show(ast.where)).toBe('(Status IN ["A"] AND NOT Name LIKE "x")');
    expect(
      ((ast.where as JunctionNode).operands[1] as NotNode & { operand: LikeNode }).operand.escape,
    ).toMatchObject({ value: '!' });
    expect(ast.orderBy.map((o) => [o.field.path, o.direction])).toEqual([['Status', 'desc']]);
    expect(ast.limit?.value).toBe(3);
  });

  it('does not take identifiers that start with a keyword for keywords', () => {
    expect(show(parseQuery('orderly = 1 AND android = 2 AND notes = 3 AND island = 4').where)).toBe(
      '(orderly=1 AND android=2 AND notes=3 AND island=4)',
    );
  });

  it('numbers parameters in order of appearance, LIMIT ? included', () => {
    const ast = parseQuery('a = ? AND b IN (?, ?) OR c LIKE ? ORDER BY a LIMIT ?');
    expect(ast.paramCount).toBe(5);
    expect(show(ast.where)).toBe('((a=?0 AND b IN [?1,?2]) OR c LIKE ?3)');
    expect(ast.limit?.value).toMatchObject({ type: 'param', index: 4 });
  });

  it('reads ORDER BY with several items and default ASC, and LIMIT', () => {
    const query = 'a > 1 ORDER BY customer.city, total DESC, id ASC LIMIT 10';
    const ast = parseQuery(query);
    expect(ast.orderBy.map((o) => `${o.field.path}:${o.direction}`)).toEqual([
      'customer.city:asc',
      'total:desc',
      'id:asc',
    ]);
    expect(ast.limit).toMatchObject({ value: 10, position: query.indexOf('LIMIT') });
  });

  it('accepts a query without a condition (every entry)', () => {
    expect(parseQuery('').where).toBeUndefined();
    expect(parseQuery('ORDER BY a LIMIT 2')).toMatchObject({ where: undefined, limit: { value: 2 } });
  });

  it('records source positions on nodes', () => {
    const ast = parseQuery('a = 1 AND  NOT  b IN (2)');
    const and = ast.where as JunctionNode;
    expect(and.operands[0]).toMatchObject({ position: 0, value: { position: 4 } });
    expect(and.operands[1]).toMatchObject({ type: 'not', position: 11 });
    expect((and.operands[1] as { operand: InNode }).operand.field.position).toBe(16);
  });

  it.each([
    ['a =', 3],
    ['a = 1 b', 6],
    ['(a = 1', 6],
    ['a == 1', 3],
    ["a = 'abc", 4],
    ['a IN ()', 6],
    ['LIMIT -1', 6],
    ['LIMIT 1.5', 6],
    ["a LIKE 'x' ESCAPE 2", 18],
    ['a = 1e999', 4],
    ['a ~ 1', 2],
    ['WHERE', 5],
    ['a IS NOT 1', 9],
    ['a = 1 ORDER x', 12],
    ['a = 1 AND', 9],
    ['a.= 1', 2],
    ['a BETWEEN 1 OR 2', 12],
    ['a = 1 LIMIT 2 ORDER BY a', 14],
    ['= 1', 0],
  ])('refuses %p at position %p', (query, position) => {
    const error = thrown(() => parseQuery(query));
    expect(error).toBeInstanceOf(QuerySyntaxError);
    expect(error.position).toBe(position);
    expect(error.code).toBe('QUERY_SYNTAX');
  });

  it('says what it expected', () => {
    expect(thrown(() => parseQuery('(a = 1')).message).toMatch(
      /expected '\)' but found end of query at position 6/,
    );
    expect(thrown(() => parseQuery("a = 'x")).message).toMatch(/unterminated string literal/);
  });
});
