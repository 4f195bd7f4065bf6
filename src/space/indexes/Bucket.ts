import type { StoredEntry } from '../StoredEntry';

/**
 * The entries holding one index key: the StoredEntry itself while there is one, a Set from the
 * second on (most keys of a selective index hold one entry, and a Set costs ~100 bytes).
 * Buckets hold the current StoredEntry objects, so a lookup needs no second trip through the id map.
 * @internal
 */
export type Bucket = StoredEntry | Set<StoredEntry>;

/** The bucket after adding `stored`. */
export function bucketAdd(bucket: Bucket | undefined, stored: StoredEntry): Bucket {
  if (bucket === undefined) return stored;
  if (bucket instanceof Set) return bucket.add(stored);
  return new Set([bucket, stored]);
}

/** The bucket after removing `stored`, or undefined when it is empty. */
export function bucketRemove(bucket: Bucket | undefined, stored: StoredEntry): Bucket | undefined {
  if (bucket === undefined) return undefined;
  if (!(bucket instanceof Set)) return bucket === stored ? undefined : bucket;
  bucket.delete(stored);
  if (bucket.size !== 1) return bucket;
  return bucket.values().next().value as StoredEntry;
}

/** The bucket after swapping `previous` for `next` (same key, new state). */
export function bucketReplace(bucket: Bucket | undefined, previous: StoredEntry, next: StoredEntry): Bucket {
  if (bucket === undefined || bucket === previous) return next;
  if (!(bucket instanceof Set)) return new Set([bucket, next]);
  bucket.delete(previous);
  return bucket.add(next);
}

/** Visits the bucket's entries; false when `visit` asked to stop. */
export function visitBucket(bucket: Bucket, visit: (stored: StoredEntry) => boolean): boolean {
  if (!(bucket instanceof Set)) return visit(bucket);
  for (const stored of bucket) if (!visit(stored)) return false;
  return true;
}
