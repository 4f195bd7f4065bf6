import { QueryTypeError } from '../../errors/query';
import type { FieldInfo, FieldResolver } from '../../schema/FieldKind';
import { allOf, anyOf, leafMatcher } from './buildMatcher';
import type { ParamSlot } from './CheckedQuery';
import { compileAccessor } from './compileAccessor';
import { compileLike, DEFAULT_LIKE_ESCAPE } from './compileLike';
import { describeExpected, fitValue, NO_FIT, valueClass } from './fitValue';
import { NEGATED_OP, type LeafOp, type LeafPredicate, type Operand, type Predicate } from './Predicate';
import type { ComparisonOperator, ConditionNode, FieldNode, LikeNode, ValueNode } from './QueryAst';

const COMPARISON_OPS: Readonly<Record<ComparisonOperator, LeafOp>> = {
  '=': 'eq',
  '<>': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
};

const NO_VALUES: readonly unknown[] = [];

/**
 * Type-checks a condition against an entry type and turns it into a predicate in negation normal
 * form, recording what each `?` must receive. One instance checks one query.
 * @internal
 */
export class ConditionChecker {
  /** Parameter slots by index, filled as the `?` are met. */
  readonly params: ParamSlot[] = [];

  constructor(
    private readonly resolver: FieldResolver,
    private readonly query: string,
  ) {}

  /** Checks `node`, negated when `negate` (NOT is pushed down to the leaves). */
  check(node: ConditionNode, negate: boolean): Predicate {
    switch (node.type) {
      case 'not':
        return this.check(node.operand, !negate);
      case 'and':
      case 'or':
        return this.junction((node.type === 'and') !== negate ? 'and' : 'or', node.operands, negate);
      case 'isNull': {
        const field = this.resolve(node.field);
        return this.leaf(node.field, field, node.negated !== negate ? 'isNotNull' : 'isNull', [], false);
      }
      case 'comparison': {
        const field = this.resolve(node.field);
        const op = COMPARISON_OPS[node.operator];
        this.requireComparable(node.field, field, op !== 'eq' && op !== 'ne', node.operator);
        const operand = this.operand(node.value, node.field, field);
        return this.leaf(node.field, field, negate ? NEGATED_OP[op] : op, [operand], false);
      }
      case 'in': {
        const field = this.resolve(node.field);
        this.requireComparable(node.field, field, false, 'IN');
        const op: LeafOp = node.negated !== negate ? 'notIn' : 'in';
        if (!Array.isArray(node.values)) {
          const param = node.values as Extract<typeof node.values, { type: 'param' }>;
          this.slot(param.index, param.position, 'list', node.field.path, field, '');
          return this.leaf(node.field, field, op, [{ param: true, index: param.index }], true);
        }
        const operands = (node.values as readonly ValueNode[]).map((value) =>
          this.operand(value, node.field, field),
        );
        return this.leaf(node.field, field, op, operands, false);
      }
      case 'like':
        return this.like(node, negate);
    }
  }

  private junction(type: 'and' | 'or', operands: readonly ConditionNode[], negate: boolean): Predicate {
    const children: Predicate[] = [];
    for (const operand of operands) {
      const child = this.check(operand, negate);
      // Flatten, so a top-level AND lists every conjunct the planner may use.
      if (child.type === type) children.push(...child.children);
      else children.push(child);
    }
    const constants = children.map((child) => child.constant);
    const constant = constants.every((matcher) => matcher !== undefined)
      ? (type === 'and' ? allOf : anyOf)(constants as NonNullable<(typeof constants)[number]>[])
      : undefined;
    return { type, children, constant };
  }

  private like(node: LikeNode, negate: boolean): Predicate {
    const field = this.resolve(node.field);
    if (valueClass(field) !== 'text') {
      throw new QueryTypeError(
        `LIKE needs a string field; '${node.field.path}' is ${field.kind}`,
        this.query,
        node.field.position,
      );
    }
    let escape = DEFAULT_LIKE_ESCAPE;
    if (node.escape !== undefined) {
      const value = node.escape.value;
      if (typeof value !== 'string' || value.length > 1) {
        throw new QueryTypeError(
          'ESCAPE needs one character or an empty string',
          this.query,
          node.escape.position,
        );
      }
      escape = value;
    }
    const op: LeafOp = node.negated !== negate ? 'notLike' : 'like';
    const pattern = node.pattern;
    if (pattern.type === 'param') {
      this.slot(pattern.index, pattern.position, 'pattern', node.field.path, field, escape);
      return this.leaf(node.field, field, op, [{ param: true, index: pattern.index }], false);
    }
    if (typeof pattern.value !== 'string') {
      throw new QueryTypeError(
        `LIKE needs a string pattern, got ${pattern.raw}`,
        this.query,
        pattern.position,
      );
    }
    const test = compileLike(pattern.value, escape);
    if (test === undefined) {
      throw new QueryTypeError('LIKE pattern ends with the escape character', this.query, pattern.position);
    }
    return this.leaf(node.field, field, op, [{ param: false, value: test }], false);
  }

  private leaf(
    node: FieldNode,
    field: FieldInfo,
    op: LeafOp,
    operands: readonly Operand[],
    listParam: boolean,
  ): LeafPredicate {
    const draft: LeafPredicate = {
      type: 'leaf',
      op,
      path: node.path,
      field,
      valueClass: valueClass(field),
      get: compileAccessor(node.segments),
      operands,
      listParam,
      constant: undefined,
    };
    const constant = operands.every((operand) => !operand.param) ? leafMatcher(draft, NO_VALUES) : undefined;
    return { ...draft, constant };
  }

  private resolve(node: FieldNode): FieldInfo {
    const field = this.resolver(node.path);
    if (field === undefined)
      throw new QueryTypeError(`unknown field '${node.path}'`, this.query, node.position);
    return field;
  }

  private requireComparable(node: FieldNode, field: FieldInfo, ordering: boolean, operator: string): void {
    const cls = valueClass(field);
    if (cls === 'none') {
      throw new QueryTypeError(
        `${field.kind} field '${node.path}' can only be tested with IS NULL / IS NOT NULL`,
        this.query,
        node.position,
      );
    }
    if (ordering && cls === 'boolean') {
      throw new QueryTypeError(
        `cannot use '${operator}' on boolean field '${node.path}'`,
        this.query,
        node.position,
      );
    }
  }

  private operand(value: ValueNode, node: FieldNode, field: FieldInfo): Operand {
    if (value.type === 'param') {
      this.slot(value.index, value.position, 'value', node.path, field, '');
      return { param: true, index: value.index };
    }
    if (value.value === null) {
      throw new QueryTypeError(
        'a comparison with NULL is never true; use IS NULL or IS NOT NULL',
        this.query,
        value.position,
      );
    }
    // A number literal keeps its source text for decimal fields, so 0.1 stays exactly 0.1.
    const literal = field.kind === 'decimal' && typeof value.value === 'number' ? value.raw : value.value;
    const fitted = fitValue(field, literal);
    if (fitted === NO_FIT) {
      throw new QueryTypeError(
        `cannot compare ${field.kind} field '${node.path}' with ${value.raw}: expected ${describeExpected(field)}`,
        this.query,
        value.position,
      );
    }
    return { param: false, value: fitted };
  }

  private slot(
    index: number,
    position: number,
    role: ParamSlot['role'],
    path: string,
    field: FieldInfo | undefined,
    escape: string,
  ): void {
    this.params[index] = { index, position, role, path, field, escape };
  }

  /** Records the LIMIT parameter. */
  limitSlot(index: number, position: number): void {
    this.slot(index, position, 'limit', '', undefined, '');
  }
}
