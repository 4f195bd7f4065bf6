import type { FieldInfo } from '../../schema/FieldKind';
import type { QueryAst } from './QueryAst';
import type { Matcher, Predicate } from './Predicate';

/** One ORDER BY item, as the engine sees it. */
export interface OrderByItem {
  readonly path: string;
  readonly direction: 'asc' | 'desc';
}

/** Compares two entries for ORDER BY (negative: `a` first). */
export type EntryComparator = (
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
) => number;

/**
 * What one `?` must receive, checked at bind time: a value for the field (`value`), an array of
 * them (`list`, for `IN ?`), a LIKE pattern string (`pattern`) or a non-negative integer (`limit`).
 */
export interface ParamSlot {
  readonly index: number;
  readonly position: number;
  readonly role: 'value' | 'list' | 'pattern' | 'limit';
  /** The field the parameter is compared with; undefined for LIMIT. */
  readonly field: FieldInfo | undefined;
  readonly path: string;
  /** The ESCAPE character of a LIKE pattern parameter. */
  readonly escape: string;
}

/**
 * A parsed query that fits an entry type's schema, ready to be bound to parameters any number of
 * times. Build it with checkQuery (or get it from a QueryCache); bind it with bindParams.
 */
export interface CheckedQuery {
  /** The query text, for error messages. */
  readonly query: string;
  readonly ast: QueryAst;
  /** The condition in negation normal form; undefined when the query has none (every entry). @internal */
  readonly where: Predicate | undefined;
  /** The matcher, when it does not depend on parameters. @internal */
  readonly constantMatcher: Matcher | undefined;
  /** Parameter slots by index. */
  readonly params: readonly ParamSlot[];
  readonly orderBy: readonly OrderByItem[];
  readonly compare: EntryComparator;
  /** A literal LIMIT; undefined when there is none or it is a parameter (see limitParam). */
  readonly limit: number | undefined;
  /** Index of the LIMIT parameter, when LIMIT is `?`. */
  readonly limitParam: number | undefined;
}
