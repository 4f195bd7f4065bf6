import type { FieldResolver } from '../../schema/FieldKind';
import type { CheckedQuery } from './CheckedQuery';
import { checkQuery } from './checkQuery';
import { parseQuery } from './parseQuery';
import type { QueryLimits } from './queryLimits';

/** How many checked queries a QueryCache keeps by default. */
export const DEFAULT_QUERY_CACHE_SIZE = 1000;

/**
 * A bounded LRU of parsed and type-checked queries keyed by (entry type, query text), so a query
 * run again (the normal case with `?` parameters) is neither parsed nor checked again. Queries
 * that fail to parse or check are not cached: they throw each time.
 *
 * When an entry type's schema changes, call `invalidateType` (or `clear`): cached queries were
 * checked against the old fields.
 */
export class QueryCache {
  private readonly entries = new Map<string, CheckedQuery>();
  readonly capacity: number;

  /** `limits` bound the text and nesting of every query parsed on a miss (see parseQuery). */
  constructor(
    capacity: number = DEFAULT_QUERY_CACHE_SIZE,
    private readonly limits?: QueryLimits,
  ) {
    this.capacity = Math.max(1, Math.floor(capacity));
  }

  /** The checked query for `query` on `typeName`, parsed and checked with `resolver` on a miss. */
  get(typeName: string, query: string, resolver: FieldResolver): CheckedQuery {
    const key = cacheKey(typeName, query);
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Map iteration order is insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const checked = checkQuery(parseQuery(query, this.limits), resolver, query);
    this.entries.set(key, checked);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return checked;
  }

  /** Whether `query` on `typeName` is cached (does not count as a use). */
  has(typeName: string, query: string): boolean {
    return this.entries.has(cacheKey(typeName, query));
  }

  /** Forgets the queries of one entry type. */
  invalidateType(typeName: string): void {
    const prefix = cacheKey(typeName, '');
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

function cacheKey(typeName: string, query: string): string {
  // NUL cannot appear in a type name, so the key is unambiguous.
  return `${typeName}\u0000${query}`;
}
