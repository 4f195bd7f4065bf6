import { CorruptLogError } from '../errors';
import type { Mutation } from './Mutation';
import type { PartitionState } from './PartitionState';
import { placeState, removeStored } from './placeState';

/** Where a record was read: named by a corruption error. */
export interface LogPosition {
  readonly topic?: string;
  readonly offset: number;
}

/**
 * The restore fold: applies one record of a partition log *as Kafka keeps it* (docs/design.md law 1). Kafka's cleaner
 * keeps only the latest record of each key and drops tombstones after `delete.retention.ms`, so a
 * reader of a compacted log meets an UPDATE (or a WRITE at a later version) of an id it never saw, and a
 * TAKE / EXPIRE of an id whose earlier records are gone. This fold takes the latest state per key:
 *
 * - WRITE / UPDATE of an absent id inserts it at the record's version; of a present id at an older
 *   version replaces it (versions may skip: the records between were compacted away).
 * - TAKE / EXPIRE of an absent id is nothing; of a present id at its version or later removes it.
 * - A record older than what the fold holds for its key (a version going backwards, or a WRITE / UPDATE
 *   at the held version) never comes out of compaction: it is a corrupt log, refused with
 *   CorruptLogError naming the record's position and key, before anything changes.
 *
 * Like `apply`, it reads no clock and no random source. The primary's own live path keeps the strict
 * `apply`; this one is for every reader of the log (warm-up, backups, catch-up after promotion).
 */
export function restoreApply(state: PartitionState, mutation: Mutation, at?: LogPosition): void {
  const { op, type, id, version } = mutation;
  const store = state.storeOf(type);
  const current = store.entries.get(id);

  switch (op) {
    case 'WRITE':
    case 'UPDATE': {
      if (!Number.isInteger(version) || version < 1) throw corrupt(mutation, 'bad version', at);
      if (current && version <= current.version) {
        throw corrupt(mutation, `version goes back: the fold holds version ${current.version}`, at);
      }
      placeState(state, store, current, mutation, (m, why) => corrupt(m, why, at));
      return;
    }
    case 'TAKE':
    case 'EXPIRE':
      if (!current) return;
      if (version < current.version) {
        throw corrupt(mutation, `version goes back: the fold holds version ${current.version}`, at);
      }
      removeStored(state, store, current);
      return;
    default:
      throw corrupt(mutation, `unknown op '${String(op)}'`, at);
  }
}

function corrupt(m: Mutation, why: string, at: LogPosition | undefined): CorruptLogError {
  return new CorruptLogError(`${m.op} ${m.type}/${m.id} v${m.version}: ${why}`, `${m.type}/${m.id}`, {
    type: m.type,
    entryId: m.id,
    ...(at?.topic !== undefined ? { topic: at.topic } : {}),
    ...(at !== undefined ? { offset: String(at.offset) } : {}),
  });
}
