import type { FieldInfo } from '../../schema/FieldKind';
import type { Accessor } from './compileAccessor';
import type { ValueClass } from './fitValue';

/** A compiled condition: true when the entry matches. */
export type Matcher = (entry: Readonly<Record<string, unknown>>) => boolean;

/**
 * Leaf operators after NOT has been pushed down to the leaves (`NOT (x < 1)` is `x >= 1`,
 * `NOT (a AND b)` is `NOT a OR NOT b`). Under SQL's three-valued logic each comparison with a
 * null or missing field is unknown, and so is its negation; once no NOT is left above a leaf,
 * an unknown leaf can be read as false without changing which entries match, so every leaf is a
 * plain boolean test. Only IS [NOT] NULL is true for nulls.
 * @internal
 */
export type LeafOp =
  'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'in' | 'notIn' | 'like' | 'notLike' | 'isNull' | 'isNotNull';

/** The negation of each leaf operator, in three-valued logic. @internal */
export const NEGATED_OP: Readonly<Record<LeafOp, LeafOp>> = {
  eq: 'ne',
  ne: 'eq',
  lt: 'ge',
  le: 'gt',
  gt: 'le',
  ge: 'lt',
  in: 'notIn',
  notIn: 'in',
  like: 'notLike',
  notLike: 'like',
  isNull: 'isNotNull',
  isNotNull: 'isNull',
};

/**
 * A value in a leaf: a constant already fitted to the field (for LIKE, the compiled LikeTest), or
 * a parameter slot filled at bind time.
 * @internal
 */
export type Operand =
  { readonly param: false; readonly value: unknown } | { readonly param: true; readonly index: number };

/** One test on one field. @internal */
export interface LeafPredicate {
  readonly type: 'leaf';
  readonly op: LeafOp;
  readonly path: string;
  readonly field: FieldInfo;
  readonly valueClass: ValueClass;
  readonly get: Accessor;
  /**
   * One operand for comparisons and LIKE; the listed values for IN / NOT IN (or one parameter
   * holding the whole list when `listParam`); none for IS [NOT] NULL.
   */
  readonly operands: readonly Operand[];
  readonly listParam: boolean;
  /** Set when no parameter is involved: compiled once at check time, shared by every bind. */
  readonly constant: Matcher | undefined;
}

/** AND / OR of predicates (flattened: no AND directly under an AND). @internal */
export interface JunctionPredicate {
  readonly type: 'and' | 'or';
  readonly children: readonly Predicate[];
  readonly constant: Matcher | undefined;
}

/** A condition in negation normal form. @internal */
export type Predicate = LeafPredicate | JunctionPredicate;
