import { InvariantViolationError } from '../errors';
import type { EntryType } from '../schema/EntryType';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { StoredEntry } from './StoredEntry';
import { TypeStore } from './TypeStore';

/**
 * The whole in-memory state of one partition: a TypeStore per entry type. It is changed only by
 * `apply`; everything else reads it.
 */
export class PartitionState {
  private readonly stores = new Map<string, TypeStore>();
  /** Number of live entries over all types (what the capacity limit counts). */
  size = 0;
  /** Between deferIndexes and buildDeferredIndexes (warm-up). */
  private deferring = false;

  constructor(readonly types: TypeRegistry) {}

  /** The store of a type (created on first use); undefined for a type the registry does not know. */
  store(typeName: string): TypeStore | undefined {
    let store = this.stores.get(typeName);
    if (!store) {
      const type = this.types.get(typeName);
      if (!type) return undefined;
      store = new TypeStore(type);
      if (this.deferring) store.deferIndexes();
      this.stores.set(typeName, store);
    }
    return store;
  }

  /** The store of a type known to exist; an unknown type here is a bug or a log from another space. */
  storeOf(type: EntryType | string): TypeStore {
    const name = typeof type === 'string' ? type : type.name;
    const store = this.store(name);
    if (!store) throw new InvariantViolationError(`mutation for unknown type '${name}'`, { type: name });
    return store;
  }

  /** Every live entry of every type, type by type. */
  *all(): IterableIterator<{ type: string; stored: StoredEntry }> {
    for (const [type, store] of this.stores) {
      for (const stored of store.entries.values()) yield { type, stored };
    }
  }

  /** Live entries per type name (types without a store yet are left out). */
  countsByType(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [type, store] of this.stores) counts.set(type, store.entries.size);
    return counts;
  }

  /** The stores created so far. */
  get typeStores(): IterableIterator<TypeStore> {
    return this.stores.values();
  }

  /**
   * Warm-up: indexes are built once at the end (`buildDeferredIndexes`) instead of per change; see
   * TypeStore.deferIndexes. Until then, only `apply` and `lookup` by id may use the state.
   */
  deferIndexes(): void {
    this.deferring = true;
    for (const store of this.stores.values()) store.deferIndexes();
  }

  /** Ends `deferIndexes`: builds every deferred index. The state is then as a plain fold leaves it. */
  buildDeferredIndexes(): void {
    this.deferring = false;
    for (const store of this.stores.values()) store.buildDeferredIndexes();
  }
}
