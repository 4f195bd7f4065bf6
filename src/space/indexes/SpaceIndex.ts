import type { IndexDefinition } from '../../schema/IndexDefinition';
import type { StoredEntry } from '../StoredEntry';

/** An index of one entry type in one partition, maintained by `apply` only. @internal */
export interface SpaceIndex {
  readonly definition: IndexDefinition;
  add(stored: StoredEntry): void;
  /** Adds entries in this order, with the same result as `add` of each in turn (warm-up's bulk path). */
  load(entries: readonly StoredEntry[]): void;
  remove(stored: StoredEntry): void;
  /** Moves an entry from its previous state to its next one (cheap when the key did not change). */
  replace(previous: StoredEntry, next: StoredEntry): void;
  /** Visits every entry whose key equals `key` (one value per index field); false when `visit` stopped. */
  lookup(key: readonly unknown[], visit: (stored: StoredEntry) => boolean): boolean;
}
