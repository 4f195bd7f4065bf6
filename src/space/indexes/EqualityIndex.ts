import type { FieldGetter } from '../../schema/EntryType';
import type { IndexDefinition } from '../../schema/IndexDefinition';
import type { StoredEntry } from '../StoredEntry';
import type { SpaceIndex } from './SpaceIndex';

/** undefined = a key that is empty now but kept in the Map (see `removeKey`). */
type Bucket = string | Set<string> | undefined;

/** Empty keys are swept once there are this many and they are at least half of all keys. */
const SWEEP_MIN_EMPTY = 1024;

/**
 * Hash index: key → ids. A key with one entry holds the id string itself and becomes a Set only on
 * its second entry, so a high-cardinality index (customerId, status) costs one Map slot per entry.
 * A compound key is a string of type-tagged, length-prefixed parts, which keeps `1` and `"1"` apart and
 * cannot be confused by separators inside values.
 * @internal
 */
export class EqualityIndex implements SpaceIndex {
  private buckets = new Map<unknown, Bucket>();
  private emptyKeys = 0;
  private readonly keyOf: (stored: StoredEntry) => unknown;

  constructor(
    readonly definition: IndexDefinition,
    getters: readonly FieldGetter[],
  ) {
    const [first] = getters;
    if (getters.length === 1 && first) {
      this.keyOf = (stored) => normalize(first(stored.entry));
    } else {
      this.keyOf = (stored) => {
        let key = '';
        for (let i = 0; i < getters.length; i++) key += part((getters[i] as FieldGetter)(stored.entry));
        return key;
      };
    }
  }

  /** The Map key of a tuple of field values, as `keyOf` builds it for an entry. */
  private keyOfTuple(key: readonly unknown[]): unknown {
    if (key.length === 1) return normalize(key[0]);
    let out = '';
    for (const value of key) out += part(value);
    return out;
  }

  add(stored: StoredEntry): void {
    const key = this.keyOf(stored);
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.has(key)) this.emptyKeys--;
      this.buckets.set(key, stored.id);
    } else if (typeof bucket === 'string') this.buckets.set(key, new Set([bucket, stored.id]));
    else bucket.add(stored.id);
  }

  remove(stored: StoredEntry): void {
    this.removeKey(this.keyOf(stored), stored.id);
  }

  replace(previous: StoredEntry, next: StoredEntry): void {
    const before = this.keyOf(previous);
    const after = this.keyOf(next);
    if (before === after) return;
    this.removeKey(before, previous.id);
    this.add(next);
  }

  lookup(key: readonly unknown[], visit: (id: string) => boolean): boolean {
    const bucket = this.buckets.get(this.keyOfTuple(key));
    if (bucket === undefined) return true;
    if (typeof bucket === 'string') return visit(bucket);
    // No copy: execute never edits state while it selects (mutations are applied afterwards).
    for (const id of bucket) if (!visit(id)) return false;
    return true;
  }

  /** Rebuilds the Map without its empty keys (a fresh Map also has no deleted entries). */
  private sweep(): void {
    const next = new Map<unknown, Bucket>();
    for (const [key, bucket] of this.buckets) if (bucket !== undefined) next.set(key, bucket);
    this.buckets = next;
    this.emptyKeys = 0;
  }

  private removeKey(key: unknown, id: string): void {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return;
    if (typeof bucket === 'string') {
      if (bucket !== id) return;
      // Not `delete`: V8 leaves deleted entries in their hash chain until the next rehash, so a key that
      // is emptied and refilled over and over (a taker's template) would make every lookup of it crawl.
      // Empty keys are kept and swept in bulk instead.
      this.buckets.set(key, undefined);
      if (++this.emptyKeys >= SWEEP_MIN_EMPTY && this.emptyKeys * 2 >= this.buckets.size) this.sweep();
      return;
    }
    bucket.delete(id);
    if (bucket.size === 1) this.buckets.set(key, bucket.values().next().value as string);
  }
}

/** undefined (missing nested record) and null are the same key. */
function normalize(value: unknown): unknown {
  return value === undefined ? null : value;
}

/** One part of a compound key: a type tag, then for strings their length, so parts never run together. */
function part(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `s${value.length}:${value}`;
    case 'number':
      return `n${value};`;
    case 'boolean':
      return value ? 't;' : 'f;';
    default:
      return value === null || value === undefined ? 'z;' : `j${JSON.stringify(value)};`;
  }
}
