import type { EntryType } from '../schema/EntryType';
import type { Entry } from '../schema/Entry';
import { isExpired, type StoredEntry } from './StoredEntry';
import type { TypeStore } from './TypeStore';

/**
 * A selector compiled for one entry type: `candidates` walks a superset of the matches through the best
 * index (or the whole store), and `matches` is the exact predicate, always rechecked on every candidate.
 * @internal
 */
export interface Selection {
  readonly type: EntryType;
  readonly matches: (entry: Entry) => boolean;
  /** Visits candidate entries; stops when `visit` returns false. */
  readonly candidates: (store: TypeStore, visit: (stored: StoredEntry) => boolean) => void;
  /** ORDER BY of a query. */
  readonly compare?: (a: Entry, b: Entry) => number;
  /** LIMIT of a query. */
  readonly limit?: number;
  /**
   * True when `candidates` visits only entries `matches` accepts (a range plan that tested each index
   * key against the whole condition), so selecting skips the recheck and never reads the entries.
   */
  readonly exact?: boolean;
  /**
   * A field every match must hold exactly this value in (compared with ===), when the selector
   * says so (a template's scalar field): waiters are filed under it, so a write is offered only to
   * the waiters it could satisfy.
   */
  readonly waitOn?: { readonly path: string; readonly value: unknown };
}

/** Candidates of a full scan. */
export function scanAll(store: TypeStore, visit: (stored: StoredEntry) => boolean): void {
  for (const stored of store.entries.values()) if (!visit(stored)) return;
}

/** Candidates through an index lookup of one or more keys. */
export function lookupCandidates(
  indexName: string,
  keys: readonly (readonly unknown[])[],
): (store: TypeStore, visit: (stored: StoredEntry) => boolean) => void {
  return (store, visit) => {
    const index = store.indexes.get(indexName);
    if (!index) return scanAll(store, visit);
    const seen = keys.length > 1 ? new Set<string>() : undefined;
    for (const key of keys) {
      const go = index.lookup(key, (stored) => {
        if (seen) {
          if (seen.has(stored.id)) return true;
          seen.add(stored.id);
        }
        return visit(stored);
      });
      if (!go) return;
    }
  };
}

/**
 * The live entries (lease not passed at `now`) a selection picks, honouring ORDER BY, the query's LIMIT
 * and `limit`. Does not change the state.
 */
export function selectEntries(
  store: TypeStore,
  selection: Selection,
  now: number,
  limit = Infinity,
  /** Skips a live match the caller cannot use (not counted toward `limit`). */
  accept?: (stored: StoredEntry) => boolean,
): StoredEntry[] {
  const max = Math.min(limit, selection.limit ?? Infinity);
  const out: StoredEntry[] = [];
  if (max <= 0) return out;
  const { matches, compare } = selection;
  // Without ORDER BY, stop at the limit; with it, every match must be seen before sorting.
  const cap = compare ? Infinity : max;
  if (selection.exact === true) {
    selection.candidates(store, (stored) => {
      if (!isExpired(stored, now) && (accept === undefined || accept(stored))) out.push(stored);
      return out.length < cap;
    });
  } else {
    selection.candidates(store, (stored) => {
      if (!isExpired(stored, now) && matches(stored.entry) && (accept === undefined || accept(stored)))
        out.push(stored);
      return out.length < cap;
    });
  }
  if (compare) {
    out.sort((a, b) => compare(a.entry, b.entry));
    if (out.length > max) out.length = max;
  }
  return out;
}

/** The first live match (by ORDER BY when the query has one), or undefined. */
export function selectFirst(store: TypeStore, selection: Selection, now: number): StoredEntry | undefined {
  return selectEntries(store, selection, now, 1)[0];
}
