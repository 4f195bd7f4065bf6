import type { Entry } from '../schema/Entry';

/** One live entry of a partition: its frozen state plus the bookkeeping `apply` maintains. */
export interface StoredEntry {
  readonly id: string;
  readonly entry: Entry;
  readonly version: number;
  /** Epoch ms, or null for an entry that lives forever. */
  readonly leaseExpiresAt: number | null;
}

/** True when the entry's lease has run out at `now` (even if its EXPIRE is not logged yet). */
export function isExpired(stored: StoredEntry, now: number): boolean {
  return stored.leaseExpiresAt !== null && stored.leaseExpiresAt <= now;
}
