import BTree from 'sorted-btree';
import type { EntryType } from '../schema/EntryType';
import { EqualityIndex } from './indexes/EqualityIndex';
import { OrderedIndex } from './indexes/OrderedIndex';
import type { SpaceIndex } from './indexes/SpaceIndex';
import type { StoredEntry } from './StoredEntry';

/** Lease order: (expiry, id). Only entries with a lease are in the lease tree. */
function compareLeases(a: StoredEntry, b: StoredEntry): number {
  const d = (a.leaseExpiresAt as number) - (b.leaseExpiresAt as number);
  if (d !== 0) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The entries of one type in one partition: id → StoredEntry, its indexes and its lease order.
 * Only `apply` calls the mutating methods.
 * @internal
 */
export class TypeStore {
  readonly entries = new Map<string, StoredEntry>();
  readonly indexes = new Map<string, SpaceIndex>();
  /** Entries with a lease, soonest first: `expireDue` reads the head only. */
  readonly leases = new BTree<StoredEntry, undefined>(undefined, compareLeases);
  private readonly indexList: SpaceIndex[];
  /**
   * Warm-up: every StoredEntry stored since `deferIndexes`, in order. The indexes and the lease tree
   * are left alone meanwhile and built from it once, in bulk (`buildDeferredIndexes`).
   */
  private journal: StoredEntry[] | undefined;
  /** Journal members that are no longer current (replaced or removed). */
  private superseded = 0;

  constructor(readonly type: EntryType) {
    const entries = this.entries;
    const isLive = (stored: StoredEntry): boolean => entries.get(stored.id) === stored;
    for (const definition of type.indexes) {
      const getters = definition.fields.map((f) => type.getter(f));
      const index =
        definition.kind === 'ordered'
          ? new OrderedIndex(definition, getters, isLive)
          : new EqualityIndex(definition, getters, isLive);
      this.indexes.set(definition.name, index);
    }
    this.indexList = [...this.indexes.values()];
  }

  /**
   * Adds a new entry. A StoredEntry object is inserted at most once per store (apply builds a new one
   * for every state): the indexes tell stale members of their lists by identity (see EntryList).
   */
  insert(stored: StoredEntry): void {
    this.entries.set(stored.id, stored);
    if (this.journal !== undefined) {
      this.journal.push(stored);
      return;
    }
    for (const index of this.indexList) index.add(stored);
    if (stored.leaseExpiresAt !== null) this.leases.set(stored, undefined);
  }

  replace(previous: StoredEntry, next: StoredEntry): void {
    this.entries.set(next.id, next);
    if (this.journal !== undefined) {
      this.journal.push(next);
      this.superseded++;
      return;
    }
    for (const index of this.indexList) index.replace(previous, next);
    if (previous.leaseExpiresAt !== null) this.leases.delete(previous);
    if (next.leaseExpiresAt !== null) this.leases.set(next, undefined);
  }

  remove(stored: StoredEntry): void {
    this.entries.delete(stored.id);
    if (this.journal !== undefined) {
      this.superseded++;
      return;
    }
    for (const index of this.indexList) index.remove(stored);
    if (stored.leaseExpiresAt !== null) this.leases.delete(stored);
  }

  /**
   * Warm-up: from now on, changes update the id map only, and the indexes are built once at the end
   * (`buildDeferredIndexes`), sorted, instead of one random insert per record. Queries are wrong until
   * then, so only a replica that does not serve yet may do this. A store that already holds entries
   * keeps indexing as it goes (their order in the index buckets is not known here).
   */
  deferIndexes(): void {
    if (this.journal !== undefined || this.entries.size > 0) return;
    this.journal = [];
    this.superseded = 0;
  }

  /**
   * Ends `deferIndexes`: indexes the live entries exactly as one insert per change would have. An
   * index bucket lists its entries in the order their current states were stored, which is the order
   * of the live members of the journal.
   */
  buildDeferredIndexes(): void {
    const journal = this.journal;
    if (journal === undefined) return;
    this.journal = undefined;
    const entries = this.entries;
    const live = this.superseded === 0 ? journal : journal.filter((s) => entries.get(s.id) === s);
    this.superseded = 0;
    // Hash indexes take each entry in one pass (its state is read once, while in cache); ordered
    // indexes sort all their keys at once.
    const hashed = this.indexList.filter((index) => !(index instanceof OrderedIndex));
    for (let i = 0; i < live.length; i++) {
      const stored = live[i] as StoredEntry;
      for (let j = 0; j < hashed.length; j++) (hashed[j] as SpaceIndex).add(stored);
    }
    for (const index of this.indexList) if (index instanceof OrderedIndex) index.load(live);
    for (const stored of live) if (stored.leaseExpiresAt !== null) this.leases.set(stored, undefined);
  }
}
