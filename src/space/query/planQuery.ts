import type { IndexDefinition } from '../../schema/IndexDefinition';
import type { BoundQuery } from './BoundQuery';
import { compareValues } from './compareValues';
import type { LeafPredicate } from './Predicate';
import type { QueryPlan, RangeBound } from './QueryPlan';

/** A lookup expanding to more keys than this (IN lists multiplied over a compound index) is not used. */
export const MAX_LOOKUP_KEYS = 1024;

const SCAN: QueryPlan = { kind: 'scan' };

interface Bounds {
  lower?: RangeBound;
  upper?: RangeBound;
}

/**
 * Chooses how to find candidates for a bound query among a type's indexes, from the conjuncts
 * of the condition's top-level AND (a top-level OR, or no condition, scans):
 * 1. lookup: an index (equality or ordered) each of whose fields has an `=` or `IN` conjunct;
 *    the keys are the product of the allowed values. Among several, the one covering the most
 *    fields wins, then the one with fewer keys.
 * 2. range: an ordered single-field index whose field has `<`, `<=`, `>`, `>=` (or BETWEEN)
 *    conjuncts, the tightest bounds kept; two-sided ranges win over one-sided.
 * 3. scan.
 * Decimal fields are never planned onto an index: their text ('1.0' vs '1.00') does not order or
 * compare like their value.
 */
export function planQuery(bound: BoundQuery, indexes: readonly IndexDefinition[]): QueryPlan {
  if (indexes.length === 0) return SCAN;
  const where = bound.checked.where;
  if (where === undefined) return SCAN;
  const conjuncts = where.type === 'leaf' ? [where] : where.type === 'and' ? where.children : [];
  const equalities = new Map<string, unknown[]>();
  const ranges = new Map<string, Bounds>();
  for (const conjunct of conjuncts) {
    if (conjunct.type !== 'leaf' || conjunct.valueClass === 'decimal' || conjunct.valueClass === 'none')
      continue;
    collect(conjunct, bound.values, equalities, ranges);
  }
  return bestLookup(indexes, equalities) ?? bestRange(indexes, ranges) ?? SCAN;
}

function collect(
  leaf: LeafPredicate,
  values: readonly unknown[],
  equalities: Map<string, unknown[]>,
  ranges: Map<string, Bounds>,
): void {
  const operandValue = (i: number): unknown => {
    const operand = leaf.operands[i];
    if (operand === undefined) return undefined;
    return operand.param ? values[operand.index] : operand.value;
  };
  switch (leaf.op) {
    case 'eq':
      return addEquality(equalities, leaf.path, [operandValue(0)]);
    case 'in':
      return addEquality(
        equalities,
        leaf.path,
        leaf.listParam ? (operandValue(0) as unknown[]) : leaf.operands.map((_, i) => operandValue(i)),
      );
    case 'gt':
    case 'ge':
      return addBound(ranges, leaf.path, 'lower', { value: operandValue(0), inclusive: leaf.op === 'ge' });
    case 'lt':
    case 'le':
      return addBound(ranges, leaf.path, 'upper', { value: operandValue(0), inclusive: leaf.op === 'le' });
    default:
      return;
  }
}

/** Several `=` / `IN` on one field must all hold: keep the values common to them. */
function addEquality(equalities: Map<string, unknown[]>, path: string, values: readonly unknown[]): void {
  const distinct = [...new Set(values)];
  const existing = equalities.get(path);
  if (existing === undefined) {
    equalities.set(path, distinct);
    return;
  }
  const allowed = new Set(distinct);
  equalities.set(
    path,
    existing.filter((value) => allowed.has(value)),
  );
}

function addBound(
  ranges: Map<string, Bounds>,
  path: string,
  side: 'lower' | 'upper',
  next: RangeBound,
): void {
  const bounds = ranges.get(path) ?? {};
  const current = bounds[side];
  if (current === undefined) {
    bounds[side] = next;
  } else {
    const order = compareValues(next.value, current.value);
    const tighter = side === 'lower' ? order > 0 : order < 0;
    if (tighter || (order === 0 && !next.inclusive)) bounds[side] = next;
  }
  ranges.set(path, bounds);
}

function bestLookup(
  indexes: readonly IndexDefinition[],
  equalities: Map<string, unknown[]>,
): QueryPlan | undefined {
  if (equalities.size === 0) return undefined;
  let best: { index: IndexDefinition; keys: unknown[][] } | undefined;
  for (const index of indexes) {
    if (index.fields.length === 0) continue;
    const lists = index.fields.map((field) => equalities.get(field));
    if (lists.some((list) => list === undefined)) continue;
    const keys = product(lists as unknown[][]);
    if (keys === undefined) continue;
    if (
      best === undefined ||
      index.fields.length > best.index.fields.length ||
      (index.fields.length === best.index.fields.length && keys.length < best.keys.length)
    ) {
      best = { index, keys };
    }
  }
  return best === undefined ? undefined : { kind: 'lookup', index: best.index, keys: best.keys };
}

/** Every tuple taking one value from each list; undefined when there would be too many. */
function product(lists: readonly unknown[][]): unknown[][] | undefined {
  let size = 1;
  for (const list of lists) size *= list.length;
  if (size > MAX_LOOKUP_KEYS) return undefined;
  let tuples: unknown[][] = [[]];
  for (const list of lists) {
    const next: unknown[][] = [];
    for (const tuple of tuples) for (const value of list) next.push([...tuple, value]);
    tuples = next;
  }
  return tuples;
}

function bestRange(indexes: readonly IndexDefinition[], ranges: Map<string, Bounds>): QueryPlan | undefined {
  if (ranges.size === 0) return undefined;
  let best: QueryPlan | undefined;
  let bestSides = 0;
  for (const index of indexes) {
    const [field] = index.fields;
    if (index.kind !== 'ordered' || index.fields.length !== 1 || field === undefined) continue;
    const bounds = ranges.get(field);
    if (bounds === undefined) continue;
    const sides = (bounds.lower === undefined ? 0 : 1) + (bounds.upper === undefined ? 0 : 1);
    if (sides > bestSides) {
      best = { kind: 'range', index, ...bounds };
      bestSides = sides;
    }
  }
  return best;
}
