import type { StoredEntry } from '../StoredEntry';

/**
 * Up to this many entries a list removes eagerly (a scan of a few pointers); past it, removal is lazy.
 * @internal
 */
export const EAGER_LIST_SIZE = 8;

/**
 * Whether a StoredEntry is still the current record of its id. Every state change makes a new
 * StoredEntry, so an entry that left an index (taken, expired, or replaced by a newer version) is
 * never current again: this tells the live members of a list from the stale ones.
 * @internal
 */
export type IsLive = (stored: StoredEntry) => boolean;

/**
 * The entries of a key holding two or more, in arrival order. A low-cardinality key (an enum
 * `status`) holds a large share of the partition; a Set there costs a hash insert with a cache miss
 * per write and a full rehash of every member (another miss each) whenever it grows. A list appends
 * instead, and a removal from a large list only counts a stale member, which visits skip (`isLive`)
 * and which are compacted away once they outnumber the live ones (amortized O(1) per removal).
 * @internal
 */
export class EntryList {
  /** Live members, and once the list is large, stale ones too (`stale` of them). */
  items: StoredEntry[];
  stale = 0;

  constructor(first: StoredEntry, second: StoredEntry) {
    this.items = [first, second];
  }
}

/**
 * The entries holding one index key: the StoredEntry itself while there is one, an EntryList from the
 * second on (most keys of a selective index hold one entry). Buckets hold the current StoredEntry
 * objects, so a lookup needs no second trip through the id map.
 * @internal
 */
export type Bucket = StoredEntry | EntryList;

/** The bucket after adding `stored`. */
export function bucketAdd(bucket: Bucket | undefined, stored: StoredEntry): Bucket {
  if (bucket === undefined) return stored;
  if (bucket instanceof EntryList) {
    bucket.items.push(stored);
    return bucket;
  }
  return new EntryList(bucket, stored);
}

/** The bucket after removing `stored` (a member), or undefined when it is empty. */
export function bucketRemove(
  bucket: Bucket | undefined,
  stored: StoredEntry,
  isLive: IsLive,
): Bucket | undefined {
  if (bucket === undefined) return undefined;
  if (!(bucket instanceof EntryList)) return bucket === stored ? undefined : bucket;
  const items = bucket.items;
  if (bucket.stale === 0 && items.length <= EAGER_LIST_SIZE) {
    const at = items.indexOf(stored);
    if (at < 0) return bucket;
    items.splice(at, 1);
    return items.length === 1 ? items[0] : bucket;
  }
  bucket.stale++;
  const live = items.length - bucket.stale;
  if (live === 0) return undefined;
  if (bucket.stale > live) {
    bucket.items = items.filter(isLive);
    bucket.stale = 0;
    if (bucket.items.length === 1) return bucket.items[0];
  }
  return bucket;
}

/** The bucket after swapping `previous` (a member) for `next` (same key, new state; it goes last). */
export function bucketReplace(
  bucket: Bucket | undefined,
  previous: StoredEntry,
  next: StoredEntry,
  isLive: IsLive,
): Bucket {
  if (bucket === undefined || bucket === previous) return next;
  return bucketAdd(bucketRemove(bucket, previous, isLive), next);
}

/** Visits the bucket's live entries in arrival order; false when `visit` asked to stop. */
export function visitBucket(
  bucket: Bucket,
  visit: (stored: StoredEntry) => boolean,
  isLive: IsLive,
): boolean {
  if (!(bucket instanceof EntryList)) return visit(bucket);
  // No copy: execute never edits state while it selects (mutations are applied afterwards).
  const items = bucket.items;
  const n = items.length;
  if (bucket.stale === 0) {
    for (let i = 0; i < n; i++) if (!visit(items[i] as StoredEntry)) return false;
    return true;
  }
  for (let i = 0; i < n; i++) {
    const stored = items[i] as StoredEntry;
    if (isLive(stored) && !visit(stored)) return false;
  }
  return true;
}
