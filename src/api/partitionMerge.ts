import type { EntryType } from '../schema/EntryType';
import type { QueryCompiler } from '../space/ExecuteContext';
import type { Entry } from '../schema/Entry';
import type { ChangeResult } from '../space/Operation';
import type { Selector } from '../space/Selector';

/**
 * How the answers of an operation run on every partition are merged, shared by the in-process grid
 * (PartitionedSpace) and the remote client (which fans out to the primaries): pure functions, so
 * both give the same answers for the same per-partition results.
 */

/** A selector's global order and limit: a query's ORDER BY and LIMIT; none for ids and templates. */
export interface MatchOrder {
  readonly compare?: (a: Entry, b: Entry) => number;
  readonly limit?: number;
}

/** The ORDER BY / LIMIT of a selector (compiled with the caller's query cache). */
export function orderOf(queries: QueryCompiler, type: EntryType, selector: Selector): MatchOrder {
  if (!('query' in selector)) return {};
  const selection = queries(type, selector.query, selector.params);
  return {
    ...(selection.compare ? { compare: selection.compare } : {}),
    ...(selection.limit !== undefined ? { limit: selection.limit } : {}),
  };
}

/**
 * Merges every partition's matches: sorted by the ORDER BY (a stable sort, so ties keep partition
 * order), then cut to the smaller of the query's LIMIT and the caller's `limit`. Sorts `entries` in place.
 */
export function mergeMatches(order: MatchOrder, entries: Entry[], limit: number | undefined): Entry[] {
  if (order.compare) entries.sort(order.compare);
  const max = Math.min(limit ?? Infinity, order.limit ?? Infinity);
  return Number.isFinite(max) ? entries.slice(0, max) : entries;
}

/**
 * Whether a takeMultiple over every partition must first pick the global winners (by reading) and
 * then take exactly those: true with an ORDER BY or a LIMIT, since each partition alone would take
 * its own first matches and together take too many or the wrong ones.
 */
export function picksWinners(order: MatchOrder, limit: number | undefined): boolean {
  return order.compare !== undefined || order.limit !== undefined || limit !== undefined;
}

/** The total of per-partition counts (count, clear). */
export function sumCounts(counts: readonly number[]): number {
  return counts.reduce((a, b) => a + b, 0);
}

/** One change result from every partition's, changed entries in partition order. */
export function mergeChanges(results: readonly ChangeResult[]): ChangeResult {
  return { count: sumCounts(results.map((r) => r.count)), changed: results.flatMap((r) => r.changed) };
}
