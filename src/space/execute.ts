import { EntryNotFoundError, InvalidArgumentError } from '../errors';
import { buildMutation, leaseExpiry, removal } from './buildMutation';
import { compileSelector } from './compileSelector';
import type { ExecuteContext } from './ExecuteContext';
import { executeChange } from './executeChange';
import { executeWrite } from './executeWrite';
import type { Mutation } from './Mutation';
import type { Operation, OperationKind, OperationResults } from './Operation';
import type { PartitionState } from './PartitionState';
import type { EntryType } from '../schema/EntryType';
import { selectEntries, selectFirst, type Selection } from './Selection';
import { isIdSelector, isTemplateSelector } from './Selector';
import { firstMatchOfTemplate, NEEDS_SELECTION } from './Template';
import { isExpired, type StoredEntry } from './StoredEntry';

/** What `execute` returns: the mutations to apply (and log), and the operation's result. */
export interface Execution<K extends OperationKind = OperationKind> {
  readonly mutations: Mutation[];
  readonly result: OperationResults[K];
}

/**
 * Validates an operation against the state and builds its mutations WITHOUT changing the state
 * (docs/design.md law 4: bad input throws a typed error and nothing reaches the log). The caller then applies the
 * mutations with `apply`, in order. Reads build no mutations.
 */
export function execute<O extends Operation>(
  state: PartitionState,
  operation: O,
  ctx: ExecuteContext,
): Execution<O['kind']> {
  return executeAny(state, operation, ctx) as Execution<O['kind']>;
}

function executeAny(state: PartitionState, op: Operation, ctx: ExecuteContext): Execution {
  if (op.kind === 'expireDue') return expireDue(state, op.limit ?? Infinity, ctx);
  const type = state.types.require(op.type);
  const name = type.name;
  switch (op.kind) {
    case 'write':
      return executeWrite(state, type, op.entry, op.options, ctx);
    case 'change':
      return executeChange(state, type, op.selector, op.changes, op.options, ctx);
    case 'renew': {
      const stored = state.storeOf(type).entries.get(String(op.id));
      if (!stored || (stored.leaseExpiresAt !== null && stored.leaseExpiresAt <= ctx.now)) {
        throw new EntryNotFoundError({ type: name, entryId: String(op.id) });
      }
      const leaseExpiresAt = leaseExpiry(op.lease, ctx.now, name);
      const version = stored.version + 1;
      return {
        mutations: [buildMutation('UPDATE', name, stored.id, version, leaseExpiresAt, stored.entry, ctx)],
        result: { id: stored.id, version, leaseExpiresAt },
      };
    }
    default:
      break;
  }
  const store = state.storeOf(type);
  const selector = op.selector;
  if ((op.kind === 'read' || op.kind === 'take') && isIdSelector(selector)) {
    // Hot path: by id, no selection to compile.
    const stored = store.entries.get(String(selector.id));
    return firstAnswer(
      op.kind,
      name,
      stored !== undefined && !isExpired(stored, ctx.now) ? stored : undefined,
      ctx,
    );
  }
  if ((op.kind === 'read' || op.kind === 'take') && isTemplateSelector(selector)) {
    // Hot path: a template naming its id or exactly an equality index's fields is one lookup.
    const first = firstMatchOfTemplate(type, store, selector.template, ctx.now);
    if (first !== NEEDS_SELECTION) return firstAnswer(op.kind, name, first ?? undefined, ctx);
  }
  const selection = compileSelector(type, selector, ctx.queries);
  switch (op.kind) {
    case 'read':
    case 'take':
      return executeFirst(state, op.kind, type, selection, ctx);
    case 'count':
      return { mutations: [], result: selectEntries(store, selection, ctx.now).length };
    case 'readMultiple':
    case 'takeMultiple': {
      const limit = op.limit ?? Infinity;
      if (!(limit >= 0))
        throw new InvalidArgumentError(`limit must be >= 0, got ${String(limit)}`, { type: name });
      const found = selectEntries(store, selection, ctx.now, limit);
      const mutations = op.kind === 'takeMultiple' ? found.map((s) => removal('TAKE', name, s, ctx)) : [];
      return { mutations, result: found.map((s) => s.entry) };
    }
    case 'clear': {
      const found = selectEntries(store, selection, ctx.now);
      return { mutations: found.map((s) => removal('TAKE', name, s, ctx)), result: found.length };
    }
  }
}

/**
 * A read or take of the first live match of an already compiled selection: what `execute` does for
 * them (a blocking take compiles its selector once, for this and for its wait).
 * @internal
 */
export function executeFirst(
  state: PartitionState,
  kind: 'read' | 'take',
  type: EntryType,
  selection: Selection,
  ctx: ExecuteContext,
): Execution<'read' | 'take'> {
  return firstAnswer(kind, type.name, selectFirst(state.storeOf(type), selection, ctx.now), ctx);
}

/** A read's or take's answer for the live entry it found (or none): the TAKE to apply, the entry. */
function firstAnswer(
  kind: 'read' | 'take',
  type: string,
  stored: StoredEntry | undefined,
  ctx: ExecuteContext,
): Execution<'read' | 'take'> {
  if (stored === undefined) return { mutations: [], result: null };
  return kind === 'read'
    ? { mutations: [], result: stored.entry }
    : { mutations: [removal('TAKE', type, stored, ctx)], result: stored.entry };
}

/** EXPIRE mutations for every lease at or before `now`, soonest first (at most `limit`). */
function expireDue(state: PartitionState, limit: number, ctx: ExecuteContext): Execution<'expireDue'> {
  const mutations: Mutation[] = [];
  for (const store of state.typeStores) {
    for (const stored of store.leases.keys()) {
      if ((stored.leaseExpiresAt as number) > ctx.now || mutations.length >= limit) break;
      mutations.push(removal('EXPIRE', store.type.name, stored, ctx));
    }
  }
  return { mutations, result: mutations.length };
}
