import { EmbeddedActionsParser, IToken, TokenType } from 'chevrotain';
import { QuerySyntaxError } from '../../errors/query';
import type {
  ComparisonNode,
  ComparisonOperator,
  ConditionNode,
  FieldNode,
  LimitNode,
  LiteralNode,
  OrderByNode,
  ParamNode,
  QueryAst,
  ValueNode,
} from './QueryAst';
import * as T from './QueryLexer';
import { queryErrorMessages } from './queryErrorMessages';
import { DEFAULT_MAX_QUERY_DEPTH } from './queryLimits';

/**
 * The grammar, as a chevrotain parser whose embedded actions build the typed AST directly:
 *
 * ```
 * query      := [[WHERE] orExpr] [ORDER BY orderItem (, orderItem)*] [LIMIT (integer | ?)]
 * orExpr     := andExpr (OR andExpr)*
 * andExpr    := notExpr (AND notExpr)*
 * notExpr    := NOT notExpr | '(' orExpr ')' | predicate
 * predicate  := field ( op value | IS [NOT] NULL | [NOT] IN ('(' value, ... ')' | ?)
 *                     | [NOT] LIKE value [ESCAPE string] | [NOT] BETWEEN value AND value )
 * value      := string | [-] number | TRUE | FALSE | NULL | ?
 * ```
 *
 * Precedence is therefore NOT > AND > OR. One instance is reused (chevrotain parsers are costly to
 * build and cheap to reset); it is not re-entrant, which is fine in single-threaded JavaScript.
 * @internal
 */
export class QueryParser extends EmbeddedActionsParser {
  private text = '';
  private paramCount = 0;
  private depth = 0;
  private maxDepth = DEFAULT_MAX_QUERY_DEPTH;

  constructor() {
    super([...T.ALL_TOKENS], {
      recoveryEnabled: false,
      maxLookahead: 3,
      errorMessageProvider: queryErrorMessages,
    });
    this.performSelfAnalysis();
  }

  /**
   * Parses a lexed query; throws QuerySyntaxError at the first problem, including nesting (of
   * parentheses and NOT) deeper than `maxDepth`, which is refused before it can exhaust the stack.
   */
  parse(text: string, tokens: IToken[], maxDepth: number = DEFAULT_MAX_QUERY_DEPTH): QueryAst {
    this.text = text;
    this.paramCount = 0;
    this.depth = 0;
    this.maxDepth = maxDepth;
    this.input = tokens;
    const ast = this.query();
    const error = this.errors[0];
    if (error !== undefined) {
      const offset = error.token.startOffset;
      throw new QuerySyntaxError(error.message, text, Number.isNaN(offset) ? text.length : offset);
    }
    return ast;
  }

  private readonly query = this.RULE('query', (): QueryAst => {
    const where = this.OPTION(() => {
      this.OPTION2(() => this.CONSUME(T.Where));
      return this.SUBRULE(this.orExpr);
    });
    const orderBy: OrderByNode[] = [];
    this.OPTION3(() => {
      this.CONSUME(T.Order);
      this.CONSUME(T.By);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => orderBy.push(this.SUBRULE(this.orderItem)) });
    });
    const limit = this.OPTION4(() => this.SUBRULE(this.limitClause));
    return { where, orderBy, limit, paramCount: this.paramCount };
  });

  private readonly orExpr = this.RULE('orExpr', (): ConditionNode => {
    const operands = [this.SUBRULE(this.andExpr)];
    this.MANY(() => {
      this.CONSUME(T.Or);
      operands.push(this.SUBRULE2(this.andExpr));
    });
    return junction('or', operands);
  });

  private readonly andExpr = this.RULE('andExpr', (): ConditionNode => {
    const operands = [this.SUBRULE(this.notExpr)];
    this.MANY(() => {
      this.CONSUME(T.And);
      operands.push(this.SUBRULE2(this.notExpr));
    });
    return junction('and', operands);
  });

  private readonly notExpr = this.RULE('notExpr', (): ConditionNode =>
    this.OR([
      {
        ALT: () => {
          const not = this.CONSUME(T.Not);
          this.ACTION(() => this.enter(not));
          const operand = this.SUBRULE(this.notExpr);
          return this.ACTION(() => {
            this.depth--;
            return { type: 'not', operand, position: not.startOffset };
          });
        },
      },
      {
        ALT: () => {
          const open = this.CONSUME(T.LParen);
          this.ACTION(() => this.enter(open));
          const inner = this.SUBRULE(this.orExpr);
          this.CONSUME(T.RParen);
          this.ACTION(() => this.depth--);
          return inner;
        },
      },
      { ALT: () => this.SUBRULE(this.predicate) },
    ]),
  );

  private readonly predicate = this.RULE('predicate', (): ConditionNode => {
    const field = this.SUBRULE(this.fieldPath);
    return this.OR([
      {
        ALT: (): ConditionNode => {
          const operator = this.SUBRULE(this.comparisonOperator);
          const value = this.SUBRULE(this.value);
          return this.ACTION(() => ({
            type: 'comparison',
            operator,
            field,
            value,
            position: field.position,
          }));
        },
      },
      {
        ALT: (): ConditionNode => {
          this.CONSUME(T.Is);
          const negated = this.OPTION(() => this.CONSUME(T.Not)) !== undefined;
          this.CONSUME(T.Null);
          return this.ACTION(() => ({ type: 'isNull', negated, field, position: field.position }));
        },
      },
      {
        ALT: (): ConditionNode => {
          const negated = this.OPTION2(() => this.CONSUME2(T.Not)) !== undefined;
          return this.OR2([
            { ALT: () => this.SUBRULE(this.inTail, { ARGS: [field, negated] }) },
            { ALT: () => this.SUBRULE(this.likeTail, { ARGS: [field, negated] }) },
            { ALT: () => this.SUBRULE(this.betweenTail, { ARGS: [field, negated] }) },
          ]);
        },
      },
    ]);
  });

  private readonly inTail = this.RULE('inTail', (field: FieldNode, negated: boolean): ConditionNode => {
    this.CONSUME(T.In);
    const values = this.OR<readonly ValueNode[] | ParamNode>([
      {
        ALT: () => {
          const list: ValueNode[] = [];
          this.CONSUME(T.LParen);
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => list.push(this.SUBRULE(this.value)) });
          this.CONSUME(T.RParen);
          return list;
        },
      },
      { ALT: () => this.SUBRULE(this.param) },
    ]);
    return this.ACTION(() => ({ type: 'in', negated, field, values, position: field.position }));
  });

  private readonly likeTail = this.RULE('likeTail', (field: FieldNode, negated: boolean): ConditionNode => {
    this.CONSUME(T.Like);
    const pattern = this.SUBRULE(this.value);
    const escape = this.OPTION(() => {
      this.CONSUME(T.Escape);
      return this.SUBRULE(this.stringLiteral);
    });
    return this.ACTION(() => ({ type: 'like', negated, field, pattern, escape, position: field.position }));
  });

  /** `x BETWEEN a AND b` is read as `x >= a AND x <= b`, which is what SQL defines it to be. */
  private readonly betweenTail = this.RULE(
    'betweenTail',
    (field: FieldNode, negated: boolean): ConditionNode => {
      this.CONSUME(T.Between);
      const low = this.SUBRULE(this.value);
      this.CONSUME(T.And);
      const high = this.SUBRULE2(this.value);
      return this.ACTION(() => {
        const position = field.position;
        const lower: ComparisonNode = { type: 'comparison', operator: '>=', field, value: low, position };
        const upper: ComparisonNode = { type: 'comparison', operator: '<=', field, value: high, position };
        const range: ConditionNode = { type: 'and', operands: [lower, upper], position };
        return negated ? { type: 'not', operand: range, position } : range;
      });
    },
  );

  private readonly comparisonOperator = this.RULE('comparisonOperator', (): ComparisonOperator =>
    this.OR([
      { ALT: () => this.operator(T.Equals, '=') },
      { ALT: () => this.operator(T.NotEquals, '<>') },
      { ALT: () => this.operator(T.LessEquals, '<=') },
      { ALT: () => this.operator(T.GreaterEquals, '>=') },
      { ALT: () => this.operator(T.Less, '<') },
      { ALT: () => this.operator(T.Greater, '>') },
    ]),
  );

  private readonly value = this.RULE('value', (): ValueNode =>
    this.OR([
      { ALT: () => this.SUBRULE(this.stringLiteral) },
      { ALT: () => this.SUBRULE(this.numberLiteral) },
      { ALT: () => this.keywordLiteral(this.CONSUME(T.True), true) },
      { ALT: () => this.keywordLiteral(this.CONSUME(T.False), false) },
      { ALT: () => this.keywordLiteral(this.CONSUME(T.Null), null) },
      { ALT: () => this.SUBRULE(this.param) },
    ]),
  );

  private readonly stringLiteral = this.RULE('stringLiteral', (): LiteralNode => {
    const token = this.CONSUME(T.StringLiteral);
    return this.ACTION(() => ({
      type: 'literal',
      value: token.image.slice(1, -1).replace(/''/g, "'"),
      raw: token.image,
      position: token.startOffset,
    }));
  });

  private readonly numberLiteral = this.RULE('numberLiteral', (): LiteralNode => {
    const minus = this.OPTION(() => this.CONSUME(T.Minus));
    const token = this.CONSUME(T.NumberLiteral);
    return this.ACTION(() => {
      const raw = (minus === undefined ? '' : '-') + token.image;
      const position = minus?.startOffset ?? token.startOffset;
      const value = Number(raw);
      if (!Number.isFinite(value))
        throw new QuerySyntaxError(`number ${raw} is out of range`, this.text, position);
      return { type: 'literal', value, raw, position };
    });
  });

  private readonly param = this.RULE('param', (): ParamNode => {
    const token = this.CONSUME(T.Question);
    return this.ACTION(() => ({ type: 'param', index: this.paramCount++, position: token.startOffset }));
  });

  private readonly fieldPath = this.RULE('fieldPath', (): FieldNode => {
    const first = this.SUBRULE(this.fieldSegment);
    const rest: { segment: string }[] = [];
    this.MANY(() => {
      this.CONSUME(T.Dot);
      rest.push(this.SUBRULE2(this.fieldSegment));
    });
    return this.ACTION(() => {
      const segments = [first.segment, ...rest.map((part) => part.segment)];
      return { type: 'field', path: segments.join('.'), segments, position: first.position };
    });
  });

  private readonly fieldSegment = this.RULE('fieldSegment', (): { segment: string; position: number } => {
    const token = this.OR([
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.QuotedIdentifier) },
    ]);
    return this.ACTION(() => ({
      segment: token.image.startsWith('"') ? token.image.slice(1, -1).replace(/""/g, '"') : token.image,
      position: token.startOffset,
    }));
  });

  private readonly orderItem = this.RULE('orderItem', (): OrderByNode => {
    const field = this.SUBRULE(this.fieldPath);
    const direction =
      this.OPTION(() =>
        this.OR<'asc' | 'desc'>([
          { ALT: () => this.keyword(T.Asc, 'asc') },
          { ALT: () => this.keyword(T.Desc, 'desc') },
        ]),
      ) ?? 'asc';
    return this.ACTION(() => ({ field, direction, position: field.position }));
  });

  private readonly limitClause = this.RULE('limitClause', (): LimitNode => {
    const keyword = this.CONSUME(T.Limit);
    const value = this.OR<number | ParamNode>([
      {
        ALT: () => {
          const token = this.CONSUME(T.NumberLiteral);
          return this.ACTION(() => {
            const n = Number(token.image);
            if (!/^\d+$/.test(token.image) || !Number.isSafeInteger(n)) {
              throw new QuerySyntaxError('LIMIT needs a non-negative integer', this.text, token.startOffset);
            }
            return n;
          });
        },
      },
      { ALT: () => this.SUBRULE(this.param) },
    ]);
    return { value, position: keyword.startOffset };
  });

  /** One level deeper (a `(` or a `NOT`); refused past the limit, before recursing into it. */
  private enter(token: IToken): void {
    this.depth++;
    if (this.depth > this.maxDepth) {
      throw new QuerySyntaxError(
        `query nests deeper than the limit of ${this.maxDepth} levels (parentheses and NOT)`,
        this.text,
        token.startOffset,
      );
    }
  }

  private operator(type: TokenType, operator: ComparisonOperator): ComparisonOperator {
    this.CONSUME(type);
    return operator;
  }

  private keyword<V>(type: TokenType, value: V): V {
    this.CONSUME(type);
    return value;
  }

  private keywordLiteral(token: IToken, value: boolean | null): LiteralNode {
    return { type: 'literal', value, raw: token.image, position: token.startOffset };
  }
}

function junction(type: 'and' | 'or', operands: ConditionNode[]): ConditionNode {
  const first = operands[0];
  if (operands.length === 1 && first !== undefined) return first;
  return { type, operands, position: first?.position ?? 0 };
}
