import type { FieldGetter } from '../../schema/EntryType';
import type { IndexDefinition } from '../../schema/IndexDefinition';
import type { StoredEntry } from '../StoredEntry';
import type { SpaceIndex } from './SpaceIndex';

type Bucket = string | Set<string>;

/**
 * Hash index: key → ids. A key with one entry holds the id string itself and becomes a Set only on
 * its second entry, so a high-cardinality index (customerId, status) costs one Map slot per entry.
 * A compound key is a string of type-tagged, length-prefixed parts, which keeps `1` and `"1"` apart and
 * cannot be confused by separators inside values.
 * @internal
 */
export class EqualityIndex implements SpaceIndex {
  private readonly buckets = new Map<unknown, Bucket>();
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
    if (bucket === undefined) this.buckets.set(key, stored.id);
    else if (typeof bucket === 'string') this.buckets.set(key, new Set([bucket, stored.id]));
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

  private removeKey(key: unknown, id: string): void {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return;
    if (typeof bucket === 'string') {
      if (bucket === id) this.buckets.delete(key);
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
