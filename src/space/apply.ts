import { InvariantViolationError } from '../errors';
import type { Mutation } from './Mutation';
import type { PartitionState } from './PartitionState';
import { placeState, removeStored } from './placeState';

/**
 * THE state transition of a partition (docs/design.md law 1): `state = fold(apply, mutations)`. Deterministic: it reads
 * no clock and no random source, only the mutation and the state. A mutation that does not fit
 * (WRITE over a live id, UPDATE not at version + 1, TAKE / EXPIRE of a different version) is a bug
 * or a corrupt log, never user input, and throws InvariantViolationError before changing anything.
 */
export function apply(state: PartitionState, mutation: Mutation): void {
  const { op, type, id, version } = mutation;
  const store = state.storeOf(type);
  const current = store.entries.get(id);

  switch (op) {
    case 'WRITE':
    case 'UPDATE': {
      if (op === 'WRITE' && current) throw invariant(mutation, `entry exists at version ${current.version}`);
      if (op === 'WRITE' && version !== 1) throw invariant(mutation, 'a WRITE must be version 1');
      if (op === 'UPDATE' && !current) throw invariant(mutation, 'entry does not exist');
      if (op === 'UPDATE' && current && version !== current.version + 1) {
        throw invariant(mutation, `entry is at version ${current.version}`);
      }
      placeState(state, store, current, mutation, invariant);
      return;
    }
    case 'TAKE':
    case 'EXPIRE':
      if (!current) throw invariant(mutation, 'entry does not exist');
      if (current.version !== version) throw invariant(mutation, `entry is at version ${current.version}`);
      removeStored(state, store, current);
      return;
    default:
      throw invariant(mutation, 'unknown op');
  }
}

function invariant(m: Mutation, why: string): InvariantViolationError {
  return new InvariantViolationError(`${m.op} ${m.type}/${m.id} v${m.version}: ${why}`, {
    type: m.type,
    entryId: m.id,
  });
}
