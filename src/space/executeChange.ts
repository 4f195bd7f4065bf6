import { EntryNotFoundError, InvalidArgumentError, VersionConflictError } from '../errors';
import type { EntryType } from '../schema/EntryType';
import { buildMutation, leaseExpiry } from './buildMutation';
import { applyChangeSet, checkChangeSet, type ChangeOp } from './ChangeSet';
import { compileSelector } from './compileSelector';
import { checkEntrySize } from './checkEntrySize';
import type { ExecuteContext } from './ExecuteContext';
import type { Mutation } from './Mutation';
import type { ChangeOptions, ChangeResult, WriteResult } from './Operation';
import type { PartitionState } from './PartitionState';
import { selectEntries } from './Selection';
import type { Selector } from './Selector';

/**
 * Builds one full-state UPDATE per selected live entry. Every new state is built and validated before
 * any mutation is returned, so a change that fails on one entry changes none.
 * @internal
 */
export function executeChange(
  state: PartitionState,
  type: EntryType,
  selector: Selector,
  changes: readonly ChangeOp[],
  options: ChangeOptions | undefined,
  ctx: ExecuteContext,
): { mutations: Mutation[]; result: ChangeResult } {
  const name = type.name;
  checkChangeSet(type, changes);
  const lease = options?.lease === undefined ? undefined : leaseExpiry(options.lease, ctx.now, name);
  const byId = 'id' in selector;
  if (options?.expectedVersion !== undefined && !byId) {
    throw new InvalidArgumentError('expectedVersion needs an id selector', { type: name });
  }
  const selection = compileSelector(type, selector, ctx.queries);
  const targets = selectEntries(state.storeOf(type), selection, ctx.now);
  if (byId && targets.length === 0)
    throw new EntryNotFoundError({ type: name, entryId: String(selector.id) });

  const mutations: Mutation[] = [];
  const changed: WriteResult[] = [];
  for (const stored of targets) {
    const expected = options?.expectedVersion;
    if (expected !== undefined && expected !== stored.version) {
      throw new VersionConflictError(expected, stored.version, { type: name, entryId: stored.id });
    }
    const entry = applyChangeSet(type, stored.entry, changes);
    checkEntrySize(name, stored.id, type.encodedSize(entry), ctx);
    const version = stored.version + 1;
    const leaseExpiresAt = lease === undefined ? stored.leaseExpiresAt : lease;
    mutations.push(buildMutation('UPDATE', name, stored.id, version, leaseExpiresAt, entry, ctx));
    changed.push({ id: stored.id, version, leaseExpiresAt });
  }
  return { mutations, result: { count: changed.length, changed } };
}
