import { randomUUID } from 'node:crypto';
import {
  InvalidArgumentError,
  InvariantViolationError,
  OperationAbortedError,
  SpaceClosedError,
  type SpacelogError,
} from '../errors';
import { restoreApply, type LogPosition } from './restoreApply';
import type { ChangeOp } from './ChangeSet';
import { compileSelector } from './compileSelector';
import { execute, executeFirst } from './execute';
import type { EngineLimits, ExecuteContext, QueryCompiler } from './ExecuteContext';
import type { Mutation, MutationOp } from './Mutation';
import type { Entry } from '../schema/Entry';
import type {
  ChangeOptions,
  ChangeResult,
  Operation,
  OperationResults,
  WriteOptions,
  WriteResult,
} from './Operation';
import type { OperationStats } from '../ops/metrics/OperationStats';
import { MutationCommit } from './MutationCommit';
import { PartitionState } from './PartitionState';
import { selectFirst, type Selection } from './Selection';
import { queryCompiler } from './QuerySelection';
import { ALL, isIdSelector, isTemplateSelector, type Selector } from './Selector';
import { isExpired, type StoredEntry } from './StoredEntry';
import { SubscriptionHub, type SpaceListener } from './SubscriptionHub';
import { firstMatchOfTemplate, NEEDS_SELECTION } from './Template';
import { LockTable } from './transaction/LockTable';
import { TransactionBranch, type TransactionOwner } from './transaction/TransactionBranch';
import type { TransactionLog } from './transaction/TransactionLog';
import {
  DEFAULT_LOCK_WAIT_MS,
  type BlockingOptions,
  type MutationPosition,
  type SpaceEngineOptions,
} from './SpaceEngineOptions';
import { WaiterQueue } from './WaiterQueue';
import { RecordRate } from '../ops/rate/RecordRate';

const ALL_OPS: ReadonlySet<MutationOp> = new Set(['WRITE', 'UPDATE', 'TAKE', 'EXPIRE']);

/**
 * In-process reads (no wait) whose latency is observed: one in this many. They take a few hundred
 * nanoseconds, of which timing each would be a third; every one is still counted.
 */
const READ_TIMING_SAMPLE = 16;

/** The type label of operations on a type the space does not know. */
const UNKNOWN_TYPE_LABEL = '(unknown)';

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
  private readonly limits: EngineLimits;
  private readonly nextId: () => string;
  private readonly queries: QueryCompiler;
  private readonly waiters = new WaiterQueue();
  private readonly subscriptions: SubscriptionHub;
  private readonly committer: MutationCommit;
  /** Entries locked by open transactions. @internal */
  readonly locks = new LockTable();
  private readonly transactionLog: TransactionLog | undefined;
  private readonly lockWaitMs: number;
  private readonly stats: OperationStats | undefined;
  /** Reads answered in-process since the last one timed (see readNow). */
  private readsUntimed = 0;
  private closed = false;

  constructor(options: SpaceEngineOptions) {
    this.state = options.state ?? new PartitionState(options.types);
    this.partition = options.partition;
    this.origin = options.origin;
    this.clock = options.clock ?? Date.now;
    this.limits = options.limits ?? {};
    if (this.limits.maxRecordBytes !== undefined && this.limits.recordBytes === undefined) {
      // Without a sizer the limit could not be checked: say so rather than ignore it.
      throw new InvalidArgumentError(
        'limits.maxRecordBytes needs limits.recordBytes (the log record sizer the hosting partition passes)',
      );
    }
    this.nextId = options.nextId ?? randomUUID;
    this.queries = options.queries ?? queryCompiler();
    this.subscriptions = new SubscriptionHub(
      options.onListenerError ?? listenerErrorsToProcessWarnings(options.partition),
    );
    this.committer = new MutationCommit({
      state: this.state,
      sink: options.sink,
      waiters: this.waiters,
      subscriptions: this.subscriptions,
      context: () => this.context(),
    });
    this.transactionLog = options.transactionLog;
    this.lockWaitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
    this.stats = options.stats;
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
      commit: (mutations, append) => this.committer.commit(mutations, append).then(() => undefined),
    });
  }

  /** Writes (upsert by default) an entry; resolves with its id, new version and lease expiry. */
  write(type: string, entry: unknown, options?: WriteOptions): Promise<WriteResult> {
    if (this.stats === undefined) return this.run({ kind: 'write', type, entry, options });
    return this.counted('write', type, performance.now(), this.run({ kind: 'write', type, entry, options }));
  }

  /** The first match, or null; with a timeout, waits for a matching write. */
  read(type: string, selector: Selector, options?: BlockingOptions): Promise<Entry | null> {
    if (options === undefined) return this.readNow(type, selector);
    if (this.stats === undefined) return this.blocking('read', type, selector, options);
    return this.counted('read', type, performance.now(), this.blocking('read', type, selector, options));
  }

  /**
   * Removes and returns the first match, or null; with a timeout, waits (first come first served).
   * The timeout and the signal end only the wait: a take a write has already claimed answers with
   * its entry once the TAKE is durable, or with the append's error (see `WaiterQueue.wait`).
   */
  take(type: string, selector: Selector, options?: BlockingOptions): Promise<Entry | null> {
    if (this.stats === undefined) return this.blocking('take', type, selector, options);
    return this.counted('take', type, performance.now(), this.blocking('take', type, selector, options));
  }

  readMultiple(type: string, selector: Selector = ALL, limit?: number): Promise<Entry[]> {
    return this.runCounted({ kind: 'readMultiple', type, selector, limit });
  }

  takeMultiple(type: string, selector: Selector = ALL, limit?: number): Promise<Entry[]> {
    return this.runCounted({ kind: 'takeMultiple', type, selector, limit });
  }

  count(type: string, selector: Selector = ALL): Promise<number> {
    return this.runCounted({ kind: 'count', type, selector });
  }

  /** Takes every match; resolves with how many. */
  clear(type: string, selector: Selector = ALL): Promise<number> {
    return this.runCounted({ kind: 'clear', type, selector });
  }

  /** Changes fields of every match in place (one full-state UPDATE each). */
  change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options?: ChangeOptions,
  ): Promise<ChangeResult> {
    return this.runCounted({ kind: 'change', type, selector, changes, options });
  }

  /** Sets a new lease on a live entry (an UPDATE with the same state). */
  renew(type: string, id: string, lease: number): Promise<WriteResult> {
    return this.runCounted({ kind: 'renew', type, id, lease });
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
    options?: {
      readonly ops?: readonly MutationOp[];
      /** Told once if the engine closes (SpaceClosedError): no more events come from it. */
      readonly onEnd?: (error: SpacelogError) => void;
    },
  ): () => void {
    const selection = compileSelector(this.state.types.require(type), selector, this.queries);
    if (this.closed) {
      // Nothing will ever be delivered: said at once rather than never.
      queueMicrotask(() => options?.onEnd?.(new SpaceClosedError('space engine closed')));
      return () => undefined;
    }
    return this.subscriptions.add(
      type,
      selection,
      listener,
      options?.ops ? new Set(options.ops) : ALL_OPS,
      options?.onEnd,
    );
  }

  /**
   * Backup / warm-up path: applies a record of the log with the restore fold (`restoreApply`: the log
   * as Kafka keeps it, compacted). No sink, no waiters, no subscribers. `at` names the record in a
   * CorruptLogError.
   */
  applyReplicated(mutation: Mutation, at?: LogPosition): void {
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
    restoreApply(this.state, m, at);
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

  /**
   * Settles once every mutation applied before the call is in the log (or its append failed, which
   * fail-stops the partition); never rejects. With {@link entries} read just before it, a comparison
   * with the log knows the log end after it covers everything the entries showed.
   */
  appended(): Promise<void> {
    return this.committer.appended();
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
    this.subscriptions.endAll(new SpaceClosedError('space engine closed: its subscriptions ended'));
  }

  /** `run`, counted when the engine has stats (its retries after a lock wait are not counted again). */
  private runCounted<O extends Operation & { readonly type: string }>(
    operation: O,
  ): Promise<OperationResults[O['kind']]> {
    if (this.stats === undefined) return this.run(operation);
    return this.counted(operation.kind, operation.type, performance.now(), this.run(operation));
  }

  /**
   * The type label an operation is counted under: a name the space does not know (a client's typo,
   * or a hostile peer's random names) counts as `(unknown)`, so the metrics stay bounded by the schema.
   */
  private countedType(type: string): string {
    return this.state.types.has(type) ? type : UNKNOWN_TYPE_LABEL;
  }

  /** Counts an operation once its promise settles: its latency, and an error if it rejects. */
  private counted<R>(operation: string, type: string, startedAt: number, result: Promise<R>): Promise<R> {
    const stats = this.stats!;
    return result.then(
      (value) => {
        stats.done(operation, this.countedType(type), startedAt, false);
        return value;
      },
      (error: unknown) => {
        stats.done(operation, this.countedType(type), startedAt, true);
        throw error;
      },
    );
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
          return this.committer.commit(mutations).then(() => mutations.length as OperationResults[O['kind']]);
      } else {
        const locked = this.locks.lockedBy(mutations);
        if (locked !== undefined)
          return this.locks.whenReleased(locked, this.lockWaitMs).then(() => this.run(operation, now));
      }
    }
    return this.committer
      .commit(mutations)
      .then((positions) => withPosition(operation.kind, result, positions));
  }

  /**
   * The hot path of `read` without a timeout: what `execute` answers for it (the first live match or
   * null), without building an execution context and an Execution first.
   */
  private readNow(type: string, selector: Selector): Promise<Entry | null> {
    if (this.closed) return Promise.reject(new SpaceClosedError());
    // Synchronous: counted here without a promise callback (the hot path of remote reads). Every read
    // is counted; one in READ_TIMING_SAMPLE is timed: two clock reads would cost a third of the read.
    let startedAt = Number.NaN;
    if (this.stats !== undefined && ++this.readsUntimed >= READ_TIMING_SAMPLE) {
      this.readsUntimed = 0;
      startedAt = performance.now();
    }
    let stored: StoredEntry | undefined;
    try {
      const entryType = this.state.types.require(type);
      const store = this.state.storeOf(entryType);
      if (isIdSelector(selector)) {
        stored = store.entries.get(String(selector.id));
        if (stored !== undefined && isExpired(stored, this.clock())) stored = undefined;
      } else {
        const now = this.clock();
        const first = isTemplateSelector(selector)
          ? firstMatchOfTemplate(entryType, store, selector.template, now)
          : NEEDS_SELECTION;
        stored =
          first === NEEDS_SELECTION
            ? selectFirst(store, compileSelector(entryType, selector, this.queries), now)
            : (first ?? undefined);
      }
    } catch (error) {
      this.stats?.done('read', this.countedType(type), startedAt, true);
      return Promise.reject(error);
    }
    this.stats?.done('read', type, startedAt, false);
    return Promise.resolve(stored === undefined ? null : stored.entry);
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
    // A template or query is compiled once, for the first look and for the wait.
    let selection: Selection | undefined;
    try {
      if (!isIdSelector(selector) && typeof selector === 'object' && selector !== null) {
        const entryType = this.state.types.require(type);
        selection = compileSelector(entryType, selector, this.queries);
        execution = executeFirst(this.state, kind, entryType, selection, this.context());
      } else {
        execution = execute(this.state, { kind, type, selector }, this.context());
      }
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
      return this.committer.commit(mutations).then(() => result);
    }
    if (result !== null || timeout === 0) return Promise.resolve(result);
    // Registered synchronously: a write issued right after this call must already see the waiter.
    try {
      selection ??= compileSelector(this.state.types.require(type), selector, this.queries);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.waiters.wait(type, kind, selection, timeout, signal);
  }
}

/**
 * A write or renewal answers with the log position of its mutation when the sink reported one.
 * Built field by field: a spread copy costs a generic clone on every write of the hot path.
 */
function withPosition<R>(
  kind: Operation['kind'],
  result: R,
  positions: void | readonly MutationPosition[],
): R {
  if ((kind !== 'write' && kind !== 'renew') || positions === undefined) return result;
  const last = positions[positions.length - 1];
  if (last === undefined) return result;
  const { id, version, leaseExpiresAt } = result as WriteResult;
  const written: WriteResult = {
    id,
    version,
    leaseExpiresAt,
    position: { partition: last.partition, offset: last.offset },
  };
  return written as R;
}

/**
 * Without an `onListenerError`, a listener's error becomes a process warning (stderr; Node's
 * `--no-warnings` mutes it), never nowhere: at most one per 10 s, saying how many it left out. The
 * engine logs nothing itself (docs/design.md, layout: the pure core does no I/O of its own); the
 * partitions that host it give it a handler that writes to the space's logger.
 */
function listenerErrorsToProcessWarnings(partition: number | undefined): (error: unknown) => void {
  const where = partition === undefined ? '' : ` (partition ${partition})`;
  const rate = new RecordRate({ perWindow: 1, windowMs: 10_000 });
  return (error) => {
    const { write, suppressed } = rate.take();
    if (!write) return;
    const more = suppressed === undefined ? '' : ` (${suppressed} more since the last warning)`;
    const what = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.emitWarning(`a subscription listener threw${where}${more}: ${what}`, {
      code: 'SPACELOG_LISTENER_ERROR',
    });
  };
}
