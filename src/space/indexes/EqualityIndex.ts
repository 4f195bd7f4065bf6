import type { FieldGetter } from '../../schema/EntryType';
import type { IndexDefinition } from '../../schema/IndexDefinition';
import type { StoredEntry } from '../StoredEntry';
import { bucketAdd, bucketRemove, bucketReplace, visitBucket, type Bucket } from './Bucket';
import type { SpaceIndex } from './SpaceIndex';

/** Empty keys are swept once there are this many and they are at least half of all keys. */
const SWEEP_MIN_EMPTY = 1024;

/**
 * Hash index: key → bucket of entries (see Bucket), so a high-cardinality index (customerId, status)
 * costs one Map slot per entry.
 * A compound key is a string of type-tagged, length-prefixed parts, which keeps `1` and `"1"` apart and
 * cannot be confused by separators inside values.
 * @internal
 */
export class EqualityIndex implements SpaceIndex {
  private buckets = new Map<unknown, Bucket | undefined>();
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
    if (bucket === undefined && this.buckets.has(key)) this.emptyKeys--;
    const next = bucketAdd(bucket, stored);
    if (next !== bucket) this.buckets.set(key, next);
  }

  remove(stored: StoredEntry): void {
    this.removeKey(this.keyOf(stored), stored);
  }

  replace(previous: StoredEntry, next: StoredEntry): void {
    const before = this.keyOf(previous);
    const after = this.keyOf(next);
    if (before !== after) {
      this.removeKey(before, previous);
      this.add(next);
      return;
    }
    const bucket = this.buckets.get(before);
    const updated = bucketReplace(bucket, previous, next);
    if (updated !== bucket) this.buckets.set(before, updated);
  }

  lookup(key: readonly unknown[], visit: (stored: StoredEntry) => boolean): boolean {
    const bucket = this.buckets.get(this.keyOfTuple(key));
    // No copy: execute never edits state while it selects (mutations are applied afterwards).
    return bucket === undefined || visitBucket(bucket, visit);
  }

  /** Rebuilds the Map without its empty keys (a fresh Map also has no deleted entries). */
  private sweep(): void {
    const next = new Map<unknown, Bucket | undefined>();
    for (const [key, bucket] of this.buckets) if (bucket !== undefined) next.set(key, bucket);
    this.buckets = next;
    this.emptyKeys = 0;
  }

  private removeKey(key: unknown, stored: StoredEntry): void {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return;
    const next = bucketRemove(bucket, stored);
    if (next === bucket) return;
    // Not `delete`: V8 leaves deleted entries in their hash chain until the next rehash, so a key that
    // is emptied and refilled over and over (a taker's template) would make every lookup of it crawl.
    // Empty keys are kept and swept in bulk instead.
    this.buckets.set(key, next);
    if (
      next === undefined &&
      ++this.emptyKeys >= SWEEP_MIN_EMPTY &&
      this.emptyKeys * 2 >= this.buckets.size
    ) {
      this.sweep();
    }
  }
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

/** undefined (missing nested record) and null are the same key. */
function normalize(value: unknown): unknown {
  return value === undefined ? null : value;
}
