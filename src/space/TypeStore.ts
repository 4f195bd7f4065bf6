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
    for (const index of this.indexList) index.add(stored);
    if (stored.leaseExpiresAt !== null) this.leases.set(stored, undefined);
  }

  replace(previous: StoredEntry, next: StoredEntry): void {
    this.entries.set(next.id, next);
    for (const index of this.indexList) index.replace(previous, next);
    if (previous.leaseExpiresAt !== null) this.leases.delete(previous);
    if (next.leaseExpiresAt !== null) this.leases.set(next, undefined);
  }

  remove(stored: StoredEntry): void {
    this.entries.delete(stored.id);
    for (const index of this.indexList) index.remove(stored);
    if (stored.leaseExpiresAt !== null) this.leases.delete(stored);
  }
}
