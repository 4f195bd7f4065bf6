import type { Mutation } from './Mutation';
import type { PartitionState } from './PartitionState';
import type { StoredEntry } from './StoredEntry';
import type { TypeStore } from './TypeStore';
import { deepFreeze } from './deepFreeze';

/**
 * The step both folds (`apply`, `restoreApply`) end a WRITE / UPDATE with, once they have accepted it:
 * the mutation's state, frozen, takes the place of `current` (or becomes a new entry). `refuse` builds
 * the fold's own error for a mutation without a state or whose state names another id.
 * @internal
 */
export function placeState(
  state: PartitionState,
  store: TypeStore,
  current: StoredEntry | undefined,
  mutation: Mutation,
  refuse: (mutation: Mutation, why: string) => Error,
): void {
  const raw = mutation.state;
  if (raw === null) throw refuse(mutation, 'no state');
  // States the engine built are frozen already; states decoded from the log get frozen here.
  const entry = Object.isFrozen(raw) ? raw : deepFreeze(raw);
  const named = store.type.idOf(entry);
  if (named !== mutation.id) throw refuse(mutation, `state has id '${named}'`);
  const next: StoredEntry = {
    id: mutation.id,
    entry,
    version: mutation.version,
    leaseExpiresAt: mutation.leaseExpiresAt,
  };
  if (current) {
    store.replace(current, next);
  } else {
    store.insert(next);
    state.size++;
  }
}

/** The step both folds end a TAKE / EXPIRE with: `current` leaves the store. @internal */
export function removeStored(state: PartitionState, store: TypeStore, current: StoredEntry): void {
  store.remove(current);
  state.size--;
}
