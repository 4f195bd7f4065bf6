/**
 * The Spacelog query language: a SQL WHERE subset with `?` parameters, ORDER BY and LIMIT, parsed
 * with chevrotain into a typed AST, checked against an entry type, compiled to closures and
 * planned onto indexes. Typical use by the engine:
 *
 * ```ts
 * const checked = cache.get(typeName, text, resolver); // parse + check once per (type, text)
 * const query = bindParams(checked, params);           // cheap, per call
 * const plan = planQuery(query, type.indexes);          // candidates: scan / lookup / range
 * // for each candidate: if (query.matches(entry)) ...; then sort with query.compare, cut at query.limit
 * ```
 *
 * Decisions (SQL / PostgreSQL semantics unless said otherwise):
 * - three-valued logic: comparisons with a null / missing field are unknown, never true, and so are
 *   their negations; `= NULL` is refused (use IS NULL), as is a null parameter;
 * - strings compare by code point (UTF-8 byte order, PostgreSQL `C` collation); decimals compare
 *   exactly as numbers; ORDER BY puts nulls last ascending, first descending;
 * - LIKE is case-sensitive, `_` is one code point, the default escape is backslash
 *   (`ESCAPE ''` for none); the pattern is never a regular expression;
 * - `IN ?` takes an array parameter; `x BETWEEN a AND b` means `x >= a AND x <= b`;
 * - a query with no condition (`''`, `ORDER BY x`) matches every entry;
 * - `"name"` quotes a field named like a keyword;
 * - LIKE runs in at most O(value × pattern) steps; query text and nesting are bounded (QueryLimits).
 */
export type {
  ComparisonNode,
  ComparisonOperator,
  ConditionNode,
  FieldNode,
  InNode,
  JunctionNode,
  LikeNode,
  LimitNode,
  LiteralNode,
  NotNode,
  NullTestNode,
  OrderByNode,
  ParamNode,
  QueryAst,
  ValueNode,
} from './QueryAst';
export { parseQuery } from './parseQuery';
export { DEFAULT_MAX_QUERY_DEPTH, DEFAULT_MAX_QUERY_LENGTH } from './queryLimits';
export type { QueryLimits } from './queryLimits';
export { checkQuery } from './checkQuery';
export type { CheckedQuery, EntryComparator, OrderByItem, ParamSlot } from './CheckedQuery';
export { bindParams } from './bindParams';
export { BoundQuery } from './BoundQuery';
export type { Matcher } from './Predicate';
export { planQuery, MAX_LOOKUP_KEYS } from './planQuery';
export type { QueryPlan, RangeBound } from './QueryPlan';
export { QueryCache, DEFAULT_QUERY_CACHE_SIZE } from './QueryCache';
export { compareValues, compareKeyTuples, compareStrings } from './compareValues';
export { compareDecimalTexts } from './compareDecimals';
export { compileLike, DEFAULT_LIKE_ESCAPE } from './compileLike';
export type { LikeTest } from './compileLike';
