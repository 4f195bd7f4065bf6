import { compareParsedDecimals, parseDecimal } from './compareDecimals';
import { compareStrings } from './compareValues';
import type { Accessor } from './compileAccessor';
import type { LikeTest } from './compileLike';
import type { ValueClass } from './fitValue';
import type { LeafOp, LeafPredicate, Matcher, Predicate } from './Predicate';

/**
 * Turns a predicate into a closure tree, with parameter values (already fitted by bindParams)
 * baked in. Sub-trees without parameters reuse the closure compiled at check time, so binding
 * allocates only along the paths that hold a `?`. Matching then walks no AST and allocates nothing
 * (decimal fields aside, whose text is parsed per comparison).
 * @internal
 */
export function buildMatcher(predicate: Predicate, values: readonly unknown[]): Matcher {
  if (predicate.constant !== undefined) return predicate.constant;
  if (predicate.type === 'leaf') return leafMatcher(predicate, values);
  const children = predicate.children.map((child) => buildMatcher(child, values));
  return predicate.type === 'and' ? allOf(children) : anyOf(children);
}

/** AND of matchers. @internal */
export function allOf(children: readonly Matcher[]): Matcher {
  const [a, b, c] = children;
  if (children.length === 2 && a !== undefined && b !== undefined) return (entry) => a(entry) && b(entry);
  if (children.length === 3 && a && b && c) return (entry) => a(entry) && b(entry) && c(entry);
  return (entry) => {
    for (const child of children) if (!child(entry)) return false;
    return true;
  };
}

/** OR of matchers. @internal */
export function anyOf(children: readonly Matcher[]): Matcher {
  const [a, b] = children;
  if (children.length === 2 && a !== undefined && b !== undefined) return (entry) => a(entry) || b(entry);
  return (entry) => {
    for (const child of children) if (child(entry)) return true;
    return false;
  };
}

/** Compiles one leaf with the given parameter values. @internal */
export function leafMatcher(leaf: LeafPredicate, values: readonly unknown[]): Matcher {
  const { get, op } = leaf;
  switch (op) {
    case 'isNull':
      return (entry) => get(entry) == null;
    case 'isNotNull':
      return (entry) => get(entry) != null;
    case 'like':
    case 'notLike': {
      const test = resolve(leaf, 0, values) as LikeTest;
      if (op === 'like') {
        return (entry) => {
          const v = get(entry);
          return typeof v === 'string' && test(v);
        };
      }
      return (entry) => {
        const v = get(entry);
        return typeof v === 'string' && !test(v);
      };
    }
    case 'in':
    case 'notIn': {
      const list = leaf.listParam
        ? (values[(leaf.operands[0] as { index: number }).index] as readonly unknown[])
        : leaf.operands.map((_, i) => resolve(leaf, i, values));
      return listMatcher(get, leaf.valueClass, op === 'in', list);
    }
    default:
      return comparisonMatcher(get, leaf.valueClass, op, resolve(leaf, 0, values));
  }
}

function resolve(leaf: LeafPredicate, i: number, values: readonly unknown[]): unknown {
  const operand = leaf.operands[i];
  if (operand === undefined) return undefined;
  return operand.param ? values[operand.index] : operand.value;
}

function listMatcher(get: Accessor, cls: ValueClass, positive: boolean, list: readonly unknown[]): Matcher {
  // x IN () is false and x NOT IN () is true, for every x: an empty OR / AND.
  if (list.length === 0) return positive ? () => false : () => true;
  if (list.length === 1) return comparisonMatcher(get, cls, positive ? 'eq' : 'ne', list[0]);
  if (cls === 'decimal') {
    const parsed = list.map((text) => parseDecimal(text as string)).filter((d) => d !== undefined);
    return (entry) => {
      const v = get(entry);
      const d = typeof v === 'string' ? parseDecimal(v) : undefined;
      if (d === undefined) return false;
      return parsed.some((item) => compareParsedDecimals(d, item) === 0) === positive;
    };
  }
  const set = new Set(list);
  const type = typeof list[0];
  if (positive) return (entry) => set.has(get(entry));
  return (entry) => {
    const v = get(entry);
    return typeof v === type && !set.has(v);
  };
}

type ComparisonOp = Exclude<LeafOp, 'in' | 'notIn' | 'like' | 'notLike' | 'isNull' | 'isNotNull'>;

const ORDER_TESTS: Readonly<Record<ComparisonOp, (order: number) => boolean>> = {
  eq: (order) => order === 0,
  ne: (order) => order !== 0,
  lt: (order) => order < 0,
  le: (order) => order <= 0,
  gt: (order) => order > 0,
  ge: (order) => order >= 0,
};

/** `field op constant`; a null, missing or mistyped field value never matches. @internal */
export function comparisonMatcher(get: Accessor, cls: ValueClass, op: LeafOp, c: unknown): Matcher {
  const test = ORDER_TESTS[op as ComparisonOp];
  if (cls === 'decimal') {
    const d = parseDecimal(c as string);
    if (d === undefined) return () => false;
    return (entry) => {
      const v = get(entry);
      const pv = typeof v === 'string' ? parseDecimal(v) : undefined;
      return pv !== undefined && test(compareParsedDecimals(pv, d));
    };
  }
  if (op === 'eq') return (entry) => get(entry) === c;
  const type = typeof c;
  if (op === 'ne') {
    return (entry) => {
      const v = get(entry);
      return typeof v === type && v !== c;
    };
  }
  if (type === 'string') {
    const s = c as string;
    return (entry) => {
      const v = get(entry);
      return typeof v === 'string' && test(compareStrings(v, s));
    };
  }
  // Numbers: dedicated closures, the hot path of range queries.
  const n = c as number;
  switch (op) {
    case 'lt':
      return (entry) => {
        const v = get(entry);
        return typeof v === 'number' && v < n;
      };
    case 'le':
      return (entry) => {
        const v = get(entry);
        return typeof v === 'number' && v <= n;
      };
    case 'gt':
      return (entry) => {
        const v = get(entry);
        return typeof v === 'number' && v > n;
      };
    default:
      return (entry) => {
        const v = get(entry);
        return typeof v === 'number' && v >= n;
      };
  }
}
