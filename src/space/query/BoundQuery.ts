import type { CheckedQuery, EntryComparator, OrderByItem } from './CheckedQuery';
import type { Matcher } from './Predicate';

/**
 * A checked query with its parameters bound: what the engine runs. `matches` and `compare` are
 * plain functions (safe to pass around detached, e.g. `entries.filter(q.matches)`).
 *
 * `matches` follows SQL's three-valued logic: a comparison with a null or missing field is
 * unknown, never true, and so is its negation: neither `x = 1` nor `NOT (x = 1)` matches an entry
 * whose `x` is null; only `IS NULL` does.
 */
export class BoundQuery {
  /** The query text. */
  readonly query: string;
  /** ORDER BY items, in order; empty when the query has none. */
  readonly orderBy: readonly OrderByItem[];
  /** Entry comparator for ORDER BY: PostgreSQL order, NULLS LAST ascending, NULLS FIRST descending. */
  readonly compare: EntryComparator;

  /** @internal Use bindParams. */
  constructor(
    /** @internal */ readonly checked: CheckedQuery,
    /** Fitted parameter values by index (a LIKE pattern as its compiled test). @internal */
    readonly values: readonly unknown[],
    /** True when the entry satisfies the condition (always true without one). */
    readonly matches: Matcher,
    /** At most this many entries; undefined for no limit. */
    readonly limit: number | undefined,
  ) {
    this.query = checked.query;
    this.orderBy = checked.orderBy;
    this.compare = checked.compare;
  }
}
