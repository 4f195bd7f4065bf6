import {
  CapacityExceededError,
  EntryAlreadyExistsError,
  EntryNotFoundError,
  InvalidArgumentError,
  InvalidIdError,
  VersionConflictError,
} from '../errors';
import type { EntryType } from '../schema/EntryType';
import { buildMutation, leaseExpiry, removal } from './buildMutation';
import { checkEntrySize } from './checkEntrySize';
import { DEFAULT_MAX_ENTRIES, DEFAULT_MAX_ID_LENGTH, type ExecuteContext } from './ExecuteContext';
import type { Mutation } from './Mutation';
import type { Entry } from '../schema/Entry';
import type { WriteOptions, WriteResult } from './Operation';
import type { PartitionState } from './PartitionState';
import { isExpired, type StoredEntry } from './StoredEntry';

const MODES = new Set(['upsert', 'insert-only', 'update-only']);

/**
 * Validates a write and builds its mutations without touching the state: WRITE v1 for a new id, UPDATE
 * v+1 over a live entry, or EXPIRE + WRITE v1 over an entry whose lease passed but whose EXPIRE is not
 * logged yet (a write never resurrects a dead entry's version line).
 * @internal
 */
export function executeWrite(
  state: PartitionState,
  type: EntryType,
  value: unknown,
  options: WriteOptions | undefined,
  ctx: ExecuteContext,
): { mutations: Mutation[]; result: WriteResult } {
  const mode = options?.mode ?? 'upsert';
  const name = type.name;
  if (!MODES.has(mode))
    throw new InvalidArgumentError(`unknown write mode '${String(mode)}'`, { type: name });
  const expected = options?.expectedVersion;
  if (expected !== undefined && !(Number.isInteger(expected) && expected >= 0)) {
    throw new InvalidArgumentError(`expectedVersion must be an integer >= 0, got ${String(expected)}`, {
      type: name,
    });
  }
  const leaseExpiresAt = leaseExpiry(options?.lease, ctx.now, name);

  let input = value;
  if (type.generatedIds && input !== null && typeof input === 'object') {
    const given = (input as Record<string, unknown>)[type.idField];
    if (given === undefined || given === null) {
      if (!ctx.nextId)
        throw new InvalidArgumentError(`type ${name} generates ids but no id source is set`, { type: name });
      input = { ...(input as Record<string, unknown>), [type.idField]: ctx.nextId() };
    }
  }
  const entry = type.validate(input);
  const id = checkId(type, entry, ctx);
  checkEntrySize(name, id, type.encodedSize(entry), ctx);

  const current = state.storeOf(type).entries.get(id);
  const live = current !== undefined && !isExpired(current, ctx.now);
  if (mode === 'insert-only' && live) throw new EntryAlreadyExistsError({ type: name, entryId: id });
  if (mode === 'update-only' && !live) throw new EntryNotFoundError({ type: name, entryId: id });
  if (expected !== undefined) {
    const actual = live ? current.version : 0;
    if (actual !== expected) throw new VersionConflictError(expected, actual, { type: name, entryId: id });
  }
  if (current === undefined) checkCapacity(state, 1, ctx, name);

  if (live) {
    const version = current.version + 1;
    return {
      mutations: [buildMutation('UPDATE', name, id, version, leaseExpiresAt, entry, ctx)],
      result: { id, version, leaseExpiresAt },
    };
  }
  const write = buildMutation('WRITE', name, id, 1, leaseExpiresAt, entry, ctx);
  return {
    mutations: current ? [removal('EXPIRE', name, current as StoredEntry, ctx), write] : [write],
    result: { id, version: 1, leaseExpiresAt },
  };
}

/** The entry's id, checked: a non-empty string no longer than the limit. @internal */
export function checkId(type: EntryType, entry: Entry, ctx: ExecuteContext): string {
  const id = type.idOf(entry);
  const max = ctx.limits?.maxIdLength ?? DEFAULT_MAX_ID_LENGTH;
  if (id.length === 0) throw new InvalidIdError(`${type.name}: id must not be empty`, { type: type.name });
  if (id.length > max) {
    throw new InvalidIdError(`${type.name}: id is ${id.length} characters, over the limit of ${max}`, {
      type: type.name,
    });
  }
  return id;
}

/** Refuses `added` more entries when the partition would exceed its capacity. @internal */
export function checkCapacity(state: PartitionState, added: number, ctx: ExecuteContext, type: string): void {
  const max = ctx.limits?.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (state.size + added > max) throw new CapacityExceededError(max, { type });
}
