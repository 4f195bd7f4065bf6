import { randomUUID } from 'node:crypto';
import {
  InvalidArgumentError,
  InvariantViolationError,
  OperationAbortedError,
  SpaceClosedError,
} from '../errors';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { apply } from './apply';
import { removal } from './buildMutation';
import type { ChangeOp } from './ChangeSet';
import { compileSelector } from './compileSelector';
import { execute } from './execute';
import type { EngineLimits, ExecuteContext, QueryCompiler } from './ExecuteContext';
import type { Entry, Mutation, MutationOp } from './Mutation';
import type {
  ChangeOptions,
  ChangeResult,
  Operation,
  OperationResults,
  WriteOptions,
  WriteResult,
} from './Operation';
import { PartitionState } from './PartitionState';
import { queryCompiler } from './QuerySelection';
import { ALL, type Selector } from './Selector';
import type { StoredEntry } from './StoredEntry';
import { SubscriptionHub, type SpaceListener } from './SubscriptionHub';
import { LockTable } from './transaction/LockTable';
import { TransactionBranch, type TransactionOwner } from './transaction/TransactionBranch';
import type { TransactionLog } from './transaction/TransactionLog';
import { WaiterQueue, type Waiter } from './WaiterQueue';

/** Where a mutation landed in its partition log (the sink knows; the engine only passes it on). */
export interface MutationPosition {
  readonly partition: number;
  readonly offset: number;
}

/** Where committed mutations go: the partition log (group commit) in a primary. */
export interface MutationSink {
  /**
   * Resolves once the mutations are durable; a rejection fail-stops the partition. A sink that knows
   * where they landed resolves with one position per mutation, in order (writes then report theirs).
   */
  append(mutations: readonly Mutation[]): Promise<void | readonly MutationPosition[]>;
}

export interface SpaceEngineOptions {
  readonly types: TypeRegistry;
  /** Identity stamped on every mutation (process / replica id). */
  readonly origin: string;
  readonly partition?: number;
  /** The primary's clock (epoch ms). Default Date.now. */
  readonly clock?: () => number;
  /** Default: none, every operation is committed at once. */
  readonly sink?: MutationSink;
  readonly limits?: EngineLimits;
  /** Id source for generated ids. Default crypto.randomUUID. */
  readonly nextId?: () => string;
  /** Query compiler. Default: the query module through this engine's own LRU cache. */
  readonly queries?: QueryCompiler;
  /** Receives errors thrown by subscription listeners. Default: ignored. */
  readonly onListenerError?: (error: unknown) => void;
  /** The partition's log for multi-partition transaction commits (set by the primary). */
  readonly transactionLog?: TransactionLog;
  /** How long a plain write / take / change waits for an entry locked by a transaction. Default 30 s. */
  readonly lockWaitMs?: number;
  /**
   * Adopts an existing state instead of an empty one: a backup's fold handed to the engine of the
   * primary it is promoted to. The state must not be used elsewhere afterwards.
   */
  readonly state?: PartitionState;
}

/** Default bound of a plain operation's wait for a transaction's lock (transactions last 60 s at most). */
export const DEFAULT_LOCK_WAIT_MS = 30_000;

/** Blocking options of read / take. */
export interface BlockingOptions {
  /** 0 (default) = answer at once; > 0 = wait up to that many ms for a matching write; Infinity = forever. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
}

const ALL_OPS: ReadonlySet<MutationOp> = new Set(['WRITE', 'UPDATE', 'TAKE', 'EXPIRE']);

/**
 * One partition's space: the pure engine (`execute` + `apply` on a PartitionState) behind an
 * asynchronous API. Each operation runs execute + apply synchronously, so state order is call order;
 * then its mutations go to the sink, and the operation resolves (and subscribers hear of it) once the
 * sink has made them durable. Reads see applied state, which may still be waiting for its append.
 */
export class SpaceEngine {
  readonly state: PartitionState;
  readonly partition: number | undefined;
  private readonly origin: string;
  private readonly clock: () => number;
  private readonly sink: MutationSink | undefined;
  private readonly limits: EngineLimits;
  private readonly nextId: () => string;
  private readonly queries: QueryCompiler;
  private readonly waiters = new WaiterQueue();
  private readonly subscriptions: SubscriptionHub;
  /** Entries locked by open transactions. @internal */
  readonly locks = new LockTable();
  private readonly transactionLog: TransactionLog | undefined;
  private readonly lockWaitMs: number;
  private closed = false;

  constructor(options: SpaceEngineOptions) {
    this.state = options.state ?? new PartitionState(options.types);
    this.partition = options.partition;
    this.origin = options.origin;
    this.clock = options.clock ?? Date.now;
    this.sink = options.sink;
    this.limits = options.limits ?? {};
    this.nextId = options.nextId ?? randomUUID;
    this.queries = options.queries ?? queryCompiler();
    this.subscriptions = new SubscriptionHub(options.onListenerError ?? (() => undefined));
    this.transactionLog = options.transactionLog;
    this.lockWaitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
  }

  /**
   * Opens this partition's part of a transaction: a private overlay whose commit applies here.
   * @internal (use `space.transaction`)
   */
  openBranch(owner: TransactionOwner): TransactionBranch {
    if (this.closed) throw new SpaceClosedError();
    return new TransactionBranch(owner, {
      partition: this.partition,
      state: this.state,
      locks: this.locks,
      log: this.transactionLog,
      isClosed: () => this.closed,
      context: () => this.context(),
      commit: (mutations, append) => this.commit(mutations, append).then(() => undefined),
    });
  }

  /** Writes (upsert by default) an entry; resolves with its id, new version and lease expiry. */
  write(type: string, entry: unknown, options?: WriteOptions): Promise<WriteResult> {
    return this.run({ kind: 'write', type, entry, options });
  }

  /** The first match, or null; with a timeout, waits for a matching write. */
  read(type: string, selector: Selector, options?: BlockingOptions): Promise<Entry | null> {
    if (options === undefined && typeof selector === 'object' && selector !== null && 'id' in selector)
      return this.readById(type, selector.id);
    return this.blocking('read', type, selector, options);
  }

  /** Removes and returns the first match, or null; with a timeout, waits (first come first served). */
  take(type: string, selector: Selector, options?: BlockingOptions): Promise<Entry | null> {
    return this.blocking('take', type, selector, options);
  }

  readMultiple(type: string, selector: Selector = ALL, limit?: number): Promise<Entry[]> {
    return this.run({ kind: 'readMultiple', type, selector, limit });
  }

  takeMultiple(type: string, selector: Selector = ALL, limit?: number): Promise<Entry[]> {
    return this.run({ kind: 'takeMultiple', type, selector, limit });
  }

  count(type: string, selector: Selector = ALL): Promise<number> {
    return this.run({ kind: 'count', type, selector });
  }

  /** Takes every match; resolves with how many. */
  clear(type: string, selector: Selector = ALL): Promise<number> {
    return this.run({ kind: 'clear', type, selector });
  }

  /** Changes fields of every match in place (one full-state UPDATE each). */
  change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options?: ChangeOptions,
  ): Promise<ChangeResult> {
    return this.run({ kind: 'change', type, selector, changes, options });
  }

  /** Sets a new lease on a live entry (an UPDATE with the same state). */
  renew(type: string, id: string, lease: number): Promise<WriteResult> {
    return this.run({ kind: 'renew', type, id, lease });
  }

  /** Logs EXPIRE for every lease at or before `now` (default: the clock); resolves with how many. */
  expireDue(now?: number, limit?: number): Promise<number> {
    return this.run({ kind: 'expireDue', limit }, now);
  }

  /** Hears every committed mutation of a type whose entry matches; returns the unsubscribe function. */
  subscribe(
    type: string,
    selector: Selector,
    listener: SpaceListener,
    options?: { readonly ops?: readonly MutationOp[] },
  ): () => void {
    const selection = compileSelector(this.state.types.require(type), selector, this.queries);
    return this.subscriptions.add(type, selection, listener, options?.ops ? new Set(options.ops) : ALL_OPS);
  }

  /** Backup / warm-up path: applies a mutation from the log. No sink, no waiters, no subscribers. */
  applyReplicated(mutation: Mutation): void {
    let m = mutation;
    if (m.state !== null && !Object.isFrozen(m.state)) {
      // Decoded from the log: normalize to the type's compact frozen shape. A state that fails is a corrupt log.
      try {
        m = { ...m, state: this.state.types.require(m.type).validate(m.state) };
      } catch (error) {
        throw new InvariantViolationError(`replicated ${m.op} ${m.type}/${m.id} does not fit its schema`, {
          type: m.type,
          entryId: m.id,
          cause: error,
        });
      }
    }
    apply(this.state, m);
  }

  /**
   * Warm-up of a replica that does not serve yet: until `endBulkLoad`, applied changes (applyReplicated,
   * restoreEntry) update the id map only and the indexes are built once at the end, in bulk. The
   * result equals a fold of the same changes with every index maintained as it goes.
   */
  beginBulkLoad(): void {
    this.state.deferIndexes();
  }

  /** Ends `beginBulkLoad`: builds the deferred indexes (call once caught up, before serving). */
  endBulkLoad(): void {
    this.state.buildDeferredIndexes();
  }

  /** The stored record of an id (state, version, lease), or undefined; synchronous, never copies. */
  lookup(type: string, id: string): StoredEntry | undefined {
    return this.state.store(type)?.entries.get(id);
  }

  /** Every live entry with its bookkeeping (including expired ones whose EXPIRE is not logged yet). */
  *entries(): IterableIterator<{
    type: string;
    id: string;
    version: number;
    leaseExpiresAt: number | null;
    entry: Entry;
  }> {
    for (const { type, stored } of this.state.all()) {
      yield {
        type,
        id: stored.id,
        version: stored.version,
        leaseExpiresAt: stored.leaseExpiresAt,
        entry: stored.entry,
      };
    }
  }

  /** Number of entries in the partition. */
  get size(): number {
    return this.state.size;
  }

  /** Number of blocked reads and takes. */
  get pendingWaiters(): number {
    return this.waiters.size;
  }

  /** Rejects every blocked read / take with SpaceClosedError and refuses further operations. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters.drain())
      waiter.reject(new SpaceClosedError('space engine closed while waiting'));
    this.locks.rejectWaiters(new SpaceClosedError('space engine closed while waiting for a lock'));
  }

  private context(now = this.clock()): ExecuteContext {
    return { now, origin: this.origin, nextId: this.nextId, limits: this.limits, queries: this.queries };
  }

  private run<O extends Operation>(operation: O, now?: number): Promise<OperationResults[O['kind']]> {
    if (this.closed) return Promise.reject(new SpaceClosedError());
    let execution;
    try {
      execution = execute(this.state, operation, this.context(now));
    } catch (error) {
      return Promise.reject(error);
    }
    const { result } = execution;
    let mutations = execution.mutations;
    if (mutations.length === 0) return Promise.resolve(result);
    if (this.locks.size > 0) {
      // Entries locked by an open transaction: the lease sweep leaves them for later; anything else
      // waits for the release and runs again against the state the transaction left.
      if (operation.kind === 'expireDue') {
        mutations = mutations.filter((m) => this.locks.lockedBy([m]) === undefined);
        if (mutations.length === 0) return Promise.resolve(0 as OperationResults[O['kind']]);
        if (mutations.length !== execution.mutations.length)
          return this.commit(mutations).then(() => mutations.length as OperationResults[O['kind']]);
      } else {
        const locked = this.locks.lockedBy(mutations);
        if (locked !== undefined)
          return this.locks.whenReleased(locked, this.lockWaitMs).then(() => this.run(operation, now));
      }
    }
    return this.commit(mutations).then((positions) => withPosition(operation.kind, result, positions));
  }

  /**
   * Applies mutations, hands them to the sink, and offers new states to waiters. Resolves once the
   * sink has them; waiters and subscribers are only told after that.
   */
  private commit(
    mutations: readonly Mutation[],
    append?: (mutations: readonly Mutation[]) => Promise<void>,
  ): Promise<void | readonly MutationPosition[]> {
    const removed = this.subscriptions.active ? this.removedStates(mutations) : undefined;
    for (const m of mutations) apply(this.state, m);
    // `append` is a multi-partition commit's hold on this partition's log; otherwise the sink.
    const durable = append ? append(mutations) : this.sink?.append(mutations);
    const notify = (): void => {
      if (!this.subscriptions.active) return;
      mutations.forEach((m, i) => this.subscriptions.deliver(m, m.state ?? removed?.[i]));
    };
    // Offer to waiters after the append call, so the log order of any TAKE they cause follows the write.
    for (const m of mutations) {
      if (m.state !== null && this.waiters.has(m.type)) this.wake(m.type, m.state, durable);
    }
    if (!durable) {
      notify();
      return Promise.resolve();
    }
    return durable.then((positions) => {
      notify();
      return positions;
    });
  }

  private removedStates(mutations: readonly Mutation[]): (Entry | undefined)[] {
    return mutations.map((m) => (m.state === null ? this.lookup(m.type, m.id)?.entry : undefined));
  }

  private wake(type: string, entry: Entry, durable: Promise<unknown> | undefined): void {
    const { reads, take } = this.waiters.claim(type, entry);
    for (const waiter of reads) {
      if (durable) durable.then(() => waiter.resolve(entry), waiter.reject);
      else waiter.resolve(entry);
    }
    if (!take) return;
    const stored = this.lookup(type, this.state.types.require(type).idOf(entry));
    if (!stored) return;
    this.commit([removal('TAKE', type, stored, this.context())]).then(() => take.resolve(entry), take.reject);
  }

  /**
   * The hot path of `read({ id })` without a timeout: what `execute` answers for it (a live entry or
   * null), without building an execution context and an Execution first.
   */
  private readById(type: string, id: unknown): Promise<Entry | null> {
    if (this.closed) return Promise.reject(new SpaceClosedError());
    let stored: StoredEntry | undefined;
    try {
      stored = this.state.storeOf(this.state.types.require(type)).entries.get(String(id));
    } catch (error) {
      return Promise.reject(error);
    }
    if (stored === undefined) return Promise.resolve(null);
    if (stored.leaseExpiresAt !== null && stored.leaseExpiresAt <= this.clock()) return Promise.resolve(null);
    return Promise.resolve(stored.entry);
  }

  private blocking(
    kind: 'read' | 'take',
    type: string,
    selector: Selector,
    options: BlockingOptions | undefined,
  ): Promise<Entry | null> {
    const timeout = options?.timeout ?? 0;
    const signal = options?.signal;
    if (typeof timeout !== 'number' || !(timeout >= 0)) {
      return Promise.reject(
        new InvalidArgumentError(`timeout must be >= 0 ms, got ${String(timeout)}`, { type }),
      );
    }
    if (signal?.aborted) return Promise.reject(new OperationAbortedError({ type }));
    if (this.closed) return Promise.reject(new SpaceClosedError());
    let execution;
    try {
      execution = execute(this.state, { kind, type, selector }, this.context());
    } catch (error) {
      return Promise.reject(error);
    }
    const { mutations, result } = execution;
    if (mutations.length > 0) {
      const locked = this.locks.lockedBy(mutations);
      if (locked !== undefined) {
        // The match is locked by an open transaction: wait for it to end, then look again.
        return this.locks
          .whenReleased(locked, this.lockWaitMs)
          .then(() => this.blocking(kind, type, selector, options));
      }
      return this.commit(mutations).then(() => result);
    }
    if (result !== null || timeout === 0) return Promise.resolve(result);
    // Registered synchronously: a write issued right after this call must already see the waiter.
    return this.wait(kind, type, selector, timeout, signal);
  }

  private wait(
    kind: 'read' | 'take',
    type: string,
    selector: Selector,
    timeout: number,
    signal: AbortSignal | undefined,
  ): Promise<Entry | null> {
    const selection = compileSelector(this.state.types.require(type), selector, this.queries);
    return new Promise<Entry | null>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        settled = true;
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        kind,
        selection,
        resolve: (entry) => {
          if (settled) return;
          cleanup();
          resolve(entry);
        },
        reject: (error) => {
          if (settled) return;
          cleanup();
          reject(error);
        },
      };
      const onAbort = (): void => {
        this.waiters.remove(type, waiter);
        waiter.reject(new OperationAbortedError({ type }));
      };
      if (timeout !== Infinity) {
        timer = setTimeout(() => {
          this.waiters.remove(type, waiter);
          waiter.resolve(null);
        }, timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(type, waiter);
    });
  }
}

/** A write or renewal answers with the log position of its mutation when the sink reported one. */
function withPosition<R>(
  kind: Operation['kind'],
  result: R,
  positions: void | readonly MutationPosition[],
): R {
  if ((kind !== 'write' && kind !== 'renew') || positions === undefined) return result;
  const last = positions[positions.length - 1];
  if (last === undefined) return result;
  return { ...result, position: { partition: last.partition, offset: last.offset } };
}
