import type { FieldGetter } from '../../schema/EntryType';
import type { IndexDefinition } from '../../schema/IndexDefinition';
import type { StoredEntry } from '../StoredEntry';
import { bucketAdd, bucketRemove, bucketReplace, visitBucket, type Bucket, type IsLive } from './Bucket';
import type { SpaceIndex } from './SpaceIndex';

/** The value of a key kept after its last entry left. */
const EMPTY = null;

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
  /** key → bucket, or EMPTY for a key whose entries all left (see removeKey). */
  private buckets = new Map<unknown, Bucket | typeof EMPTY>();
  private emptyKeys = 0;
  private readonly keyOf: (stored: StoredEntry) => unknown;

  constructor(
    readonly definition: IndexDefinition,
    getters: readonly FieldGetter[],
    /** Tells the current records of their ids from stale ones (see EntryList). */
    private readonly isLive: IsLive,
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
    // EMPTY (not a missing key) tells a kept empty key apart without a second lookup (`has`).
    let bucket = this.buckets.get(key);
    if (bucket === EMPTY) {
      this.emptyKeys--;
      bucket = undefined;
    }
    const next = bucketAdd(bucket, stored);
    if (next !== bucket) this.buckets.set(key, next);
  }

  load(entries: readonly StoredEntry[]): void {
    for (let i = 0; i < entries.length; i++) this.add(entries[i] as StoredEntry);
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
    const found = this.buckets.get(before);
    const bucket = found === EMPTY ? undefined : found;
    if (found === EMPTY) this.emptyKeys--;
    const updated = bucketReplace(bucket, previous, next, this.isLive);
    if (updated !== found) this.buckets.set(before, updated);
  }

  lookup(key: readonly unknown[], visit: (stored: StoredEntry) => boolean): boolean {
    const bucket = this.buckets.get(this.keyOfTuple(key));
    // No copy: execute never edits state while it selects (mutations are applied afterwards).
    return bucket === undefined || bucket === EMPTY || visitBucket(bucket, visit, this.isLive);
  }

  /** Rebuilds the Map without its empty keys (a fresh Map also has no deleted entries). */
  private sweep(): void {
    const next = new Map<unknown, Bucket | typeof EMPTY>();
    for (const [key, bucket] of this.buckets) if (bucket !== EMPTY) next.set(key, bucket);
    this.buckets = next;
    this.emptyKeys = 0;
  }

  private removeKey(key: unknown, stored: StoredEntry): void {
    const bucket = this.buckets.get(key);
    if (bucket === undefined || bucket === EMPTY) return;
    const next = bucketRemove(bucket, stored, this.isLive);
    if (next === bucket) return;
    // Not `delete`: V8 leaves deleted entries in their hash chain until the next rehash, so a key that
    // is emptied and refilled over and over (a taker's template) would make every lookup of it crawl.
    // Empty keys are kept and swept in bulk instead.
    this.buckets.set(key, next ?? EMPTY);
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
