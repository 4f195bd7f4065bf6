import { InvariantViolationError, SpacelogError } from '../errors';
import type { Entry } from '../schema/Entry';
import type { PartitionState } from './PartitionState';

/** An entry as a snapshot holds it (a mirror row): its state with the version and lease it had. */
export interface RestoredEntry {
  readonly type: string;
  readonly id: string;
  readonly version: number;
  readonly leaseExpiresAt: number | null;
  readonly entry: Entry;
}

/**
 * Warm-up from a snapshot: puts an entry into an empty slot of the state at the version it had, which
 * `apply` cannot do (a WRITE is always version 1). Only for loading a partition before its log is
 * tailed from the snapshot's offset; the tail then continues with `apply` as usual (an UPDATE at
 * version + 1, a TAKE / EXPIRE of this version). The state is validated and frozen like a decoded one.
 * Throws InvariantViolationError when the id is already there or the state does not fit its type.
 */
export function restoreEntry(state: PartitionState, restored: RestoredEntry): void {
  const context = { type: restored.type, entryId: restored.id };
  const store = state.storeOf(restored.type);
  if (store.entries.has(restored.id)) {
    throw new InvariantViolationError(`restore ${restored.type}/${restored.id}: entry exists`, context);
  }
  if (!Number.isInteger(restored.version) || restored.version < 1) {
    throw new InvariantViolationError(
      `restore ${restored.type}/${restored.id}: bad version ${restored.version}`,
      context,
    );
  }
  let entry: Entry;
  try {
    entry = store.type.validate(restored.entry);
  } catch (error) {
    throw new InvariantViolationError(
      `restore ${restored.type}/${restored.id}: state does not fit the schema` +
        (error instanceof SpacelogError ? ` (${error.message})` : ''),
      { ...context, cause: error },
    );
  }
  if (store.type.idOf(entry) !== restored.id) {
    throw new InvariantViolationError(
      `restore ${restored.type}/${restored.id}: state has id '${store.type.idOf(entry)}'`,
      context,
    );
  }
  store.insert({
    id: restored.id,
    entry,
    version: restored.version,
    leaseExpiresAt: restored.leaseExpiresAt,
  });
  state.size++;
}
