import type { FieldResolver } from '../../schema/FieldKind';
import type { CheckedQuery } from './CheckedQuery';
import { ConditionChecker } from './checkCondition';
import { compileOrderBy } from './compileOrderBy';
import type { QueryAst } from './QueryAst';

/**
 * Type-checks a parsed query against an entry type (through its FieldResolver) and compiles it.
 * Throws QueryTypeError, positioned at the offending field or literal, for an unknown field, a
 * literal of the wrong type (a string field against a number, an enum symbol the type does not
 * declare), LIKE on a non-string field, `<`/`>` on a boolean, or any comparison other than
 * IS [NOT] NULL on a bytes / record / array / map field. Parameters are checked by bindParams.
 *
 * Kinds: number / timestamp (epoch ms) / date (epoch days) compare as numbers; string / uuid / enum
 * as strings (code point order); decimal as exact decimal numbers written as text, from a string
 * or number literal; boolean with = and <> only.
 */
export function checkQuery(ast: QueryAst, resolver: FieldResolver, query: string): CheckedQuery {
  const checker = new ConditionChecker(resolver, query);
  const where = ast.where === undefined ? undefined : checker.check(ast.where, false);
  const { orderBy, compare } = compileOrderBy(ast.orderBy, resolver, query);
  let limit: number | undefined;
  let limitParam: number | undefined;
  if (ast.limit !== undefined) {
    const value = ast.limit.value;
    if (typeof value === 'number') {
      limit = value;
    } else {
      limitParam = value.index;
      checker.limitSlot(value.index, value.position);
    }
  }
  const constantMatcher = where === undefined ? matchAll : where.constant;
  return {
    query,
    ast,
    where,
    constantMatcher,
    params: checker.params,
    orderBy,
    compare,
    limit,
    limitParam,
  };
}

function matchAll(): boolean {
  return true;
}
