/**
 * The typed syntax tree of a Spacelog query. Every node carries `position`, the 0-based character
 * offset of its first token in the query text, so later stages (type check, bind) can point at it.
 */

/** Comparison operators as written (`!=` is read as `<>`). */
export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** A dotted field path such as `shipping.address.zip`. */
export interface FieldNode {
  readonly type: 'field';
  readonly path: string;
  readonly segments: readonly string[];
  readonly position: number;
}

/** A literal. `raw` keeps a number's source text so decimal fields compare it without float rounding. */
export interface LiteralNode {
  readonly type: 'literal';
  readonly value: string | number | boolean | null;
  readonly raw: string;
  readonly position: number;
}

/** A positional parameter `?`; `index` counts from 0 in order of appearance in the text. */
export interface ParamNode {
  readonly type: 'param';
  readonly index: number;
  readonly position: number;
}

/** A literal or a parameter: whatever may stand on the right of an operator. */
export type ValueNode = LiteralNode | ParamNode;

/** `field op value`. */
export interface ComparisonNode {
  readonly type: 'comparison';
  readonly operator: ComparisonOperator;
  readonly field: FieldNode;
  readonly value: ValueNode;
  readonly position: number;
}

/** `field [NOT] IN (v, ...)` or `field [NOT] IN ?` (the parameter is an array). */
export interface InNode {
  readonly type: 'in';
  readonly negated: boolean;
  readonly field: FieldNode;
  /** The listed values, or a single parameter standing for the whole list. */
  readonly values: readonly ValueNode[] | ParamNode;
  readonly position: number;
}

/** `field [NOT] LIKE pattern [ESCAPE 'c']`. */
export interface LikeNode {
  readonly type: 'like';
  readonly negated: boolean;
  readonly field: FieldNode;
  readonly pattern: ValueNode;
  /** The escape character; `undefined` means the default (backslash), `''` means none. */
  readonly escape: LiteralNode | undefined;
  readonly position: number;
}

/** `field IS [NOT] NULL`. */
export interface NullTestNode {
  readonly type: 'isNull';
  readonly negated: boolean;
  readonly field: FieldNode;
  readonly position: number;
}

/** `a AND b AND ...` / `a OR b OR ...`. */
export interface JunctionNode {
  readonly type: 'and' | 'or';
  readonly operands: readonly ConditionNode[];
  readonly position: number;
}

/** `NOT a`. */
export interface NotNode {
  readonly type: 'not';
  readonly operand: ConditionNode;
  readonly position: number;
}

/** Any boolean condition. `BETWEEN` is parsed into `>= AND <=`. */
export type ConditionNode = ComparisonNode | InNode | LikeNode | NullTestNode | JunctionNode | NotNode;

/** One `ORDER BY` item. */
export interface OrderByNode {
  readonly field: FieldNode;
  readonly direction: 'asc' | 'desc';
  readonly position: number;
}

/** `LIMIT n` or `LIMIT ?`. */
export interface LimitNode {
  readonly value: number | ParamNode;
  readonly position: number;
}

/** A whole query: an optional condition (absent = every entry), ordering and limit. */
export interface QueryAst {
  readonly where: ConditionNode | undefined;
  readonly orderBy: readonly OrderByNode[];
  readonly limit: LimitNode | undefined;
  /** How many `?` the text holds. */
  readonly paramCount: number;
}
