import type { Entry } from '../schema/Entry';

/**
 * What a mutation did.
 * - `WRITE`: a new entry (version 1).
 * - `UPDATE`: a new full state of an existing entry (write over it, change, lease renewal).
 * - `TAKE`: the entry was removed by take / clear.
 * - `EXPIRE`: the entry's lease ran out, as decided by the primary's clock.
 */
export type MutationOp = 'WRITE' | 'UPDATE' | 'TAKE' | 'EXPIRE';

/**
 * One state change of a partition: the unit of the partition log, of replication and of the mirror.
 * It carries the entry's full state, never a delta, so a fold over the log needs nothing else.
 */
export interface Mutation {
  readonly op: MutationOp;
  /** Entry type name, as declared in `schemas/`. */
  readonly type: string;
  readonly id: string;
  /** 1 for WRITE, previous + 1 for UPDATE; for TAKE / EXPIRE, the version removed. */
  readonly version: number;
  /** Lease expiry in epoch milliseconds, or null for an entry that lives forever. */
  readonly leaseExpiresAt: number | null;
  /** When the primary built the mutation, epoch milliseconds (informational: `apply` never reads it). */
  readonly timestamp: number;
  /** Who built it: the primary's identity (process / replica id). */
  readonly origin: string;
  /** The entry's full new state for WRITE / UPDATE; null for TAKE / EXPIRE. */
  readonly state: Entry | null;
}
