import type { IndexDefinition } from '../../../src/schema/IndexDefinition';
import { MAX_LOOKUP_KEYS, planQuery } from '../../../src/space/query';
import { compile } from './queryFixtures';

const byStatus: IndexDefinition = { name: 'by_status', fields: ['status'], kind: 'equality' };
const byTotal: IndexDefinition = { name: 'by_total', fields: ['total'], kind: 'ordered' };
const byStatusQty: IndexDefinition = { name: 'by_status_qty', fields: ['status', 'qty'], kind: 'equality' };
const byCity: IndexDefinition = { name: 'by_city', fields: ['customer.city'], kind: 'ordered' };
const byAmount: IndexDefinition = { name: 'by_amount', fields: ['amount'], kind: 'ordered' };
const byName: IndexDefinition = { name: 'by_name', fields: ['name'], kind: 'equality' };
const indexes = [byStatus, byTotal, byStatusQty, byCity, byAmount, byName];

function plan(query: string, params: unknown[] = [], on: IndexDefinition[] = indexes) {
  return planQuery(compile(query, params), on);
}

describe('planQuery', () => {
  it('scans without indexes, without a condition, or under a top-level OR', () => {
    expect(plan("status = 'NEW'", [], [])).toEqual({ kind: 'scan' });
    expect(plan('ORDER BY total')).toEqual({ kind: 'scan' });
    expect(plan("status = 'NEW' OR qty = 1")).toEqual({ kind: 'scan' });
    expect(plan('qty = 1')).toEqual({ kind: 'scan' });
  });

  it('looks up an equality index from = and IN', () => {
    expect(plan("status = 'NEW'")).toEqual({ kind: 'lookup', index: byStatus, keys: [['NEW']] });
    expect(plan('status IN ?', [['NEW', 'PAID', 'NEW']])).toEqual({
      kind: 'lookup',
      index: byStatus,
      keys: [['NEW'], ['PAID']],
    });
  });

  it('prefers the index covering more fields, with the product of IN values as keys', () => {
    expect(plan("status IN ('NEW', 'PAID') AND qty IN (?, 2) AND total > 3", [1])).toEqual({
      kind: 'lookup',
      index: byStatusQty,
      keys: [
        ['NEW', 1],
        ['NEW', 2],
        ['PAID', 1],
        ['PAID', 2],
      ],
    });
  });

  it('intersects several equalities on one field', () => {
    expect(plan("status IN ('NEW', 'PAID') AND status = 'PAID'")).toMatchObject({ keys: [['PAID']] });
    expect(plan("status = 'NEW' AND status = 'PAID'")).toMatchObject({ kind: 'lookup', keys: [] });
    expect(plan('status IN ?', [[]])).toMatchObject({ kind: 'lookup', keys: [] });
  });

  it('uses an ordered index for equality lookups too', () => {
    expect(plan('total = 5')).toEqual({ kind: 'lookup', index: byTotal, keys: [[5]] });
  });

  it('prefers a lookup over a range', () => {
    expect(plan("total > 5 AND status = 'NEW'")).toMatchObject({ kind: 'lookup', index: byStatus });
  });

  it('plans ranges on ordered single-field indexes, keeping the tightest bounds', () => {
    expect(plan('total > 5')).toEqual({
      kind: 'range',
      index: byTotal,
      lower: { value: 5, inclusive: false },
    });
    expect(plan('total BETWEEN ? AND ?', [1, 9])).toEqual({
      kind: 'range',
      index: byTotal,
      lower: { value: 1, inclusive: true },
      upper: { value: 9, inclusive: true },
    });
    expect(plan('total > 1 AND total >= 3 AND total < 10 AND total <= 10 AND total > 3')).toEqual({
      kind: 'range',
      index: byTotal,
      lower: { value: 3, inclusive: false },
      upper: { value: 10, inclusive: false },
    });
    expect(plan("customer.city >= 'L' AND customer.city < 'M'")).toMatchObject({
      kind: 'range',
      index: byCity,
    });
  });

  it('prefers a two-sided range', () => {
    expect(plan("total > 1 AND customer.city >= 'L' AND customer.city < 'M'")).toMatchObject({
      index: byCity,
    });
  });

  it('never uses a range on an equality index, or ranges on decimal fields', () => {
    expect(plan("name > 'a'")).toEqual({ kind: 'scan' });
    expect(plan('amount > 1')).toEqual({ kind: 'scan' });
    expect(plan('amount = 1')).toEqual({ kind: 'scan' });
  });

  it('uses conjuncts exposed by pushing NOT down', () => {
    expect(plan("NOT (status <> 'NEW' OR total <= 3)")).toEqual({
      kind: 'lookup',
      index: byStatus,
      keys: [['NEW']],
    });
    expect(plan('NOT (total < 3)')).toMatchObject({ kind: 'range', lower: { value: 3, inclusive: true } });
  });

  it('ignores negative and pattern conjuncts', () => {
    expect(plan("status <> 'NEW' AND name LIKE 'a%' AND total NOT IN (1)")).toEqual({ kind: 'scan' });
  });

  it('gives up on lookups with too many keys', () => {
    const many = Array.from({ length: MAX_LOOKUP_KEYS + 1 }, (_, i) => `s${i}`);
    expect(plan('name IN ?', [many])).toEqual({ kind: 'scan' });
  });
});
