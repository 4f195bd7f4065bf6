import { SpaceClosedError } from '../../errors';
import type { EntryType } from '../../schema/EntryType';
import { apply } from '../apply';
import type { ChangeOp } from '../ChangeSet';
import { compileSelector } from '../compileSelector';
import { execute } from '../execute';
import type { ExecuteContext } from '../ExecuteContext';
import type { Mutation } from '../Mutation';
import type { Entry } from '../../schema/Entry';
import type {
  ChangeOptions,
  ChangeResult,
  Operation,
  OperationResults,
  WriteOptions,
  WriteResult,
} from '../Operation';
import { PartitionState } from '../PartitionState';
import { selectEntries, type Selection } from '../Selection';
import { ALL, isIdSelector, type Selector } from '../Selector';
import type { StoredEntry } from '../StoredEntry';
import { lockKey, type LockOwner, type LockTable } from './LockTable';
import type { TransactionLog } from './TransactionLog';

/** The transaction a branch belongs to: its lock identity, its deadline and why it ended. */
export interface TransactionOwner extends LockOwner {
  /** Milliseconds left before the transaction times out. */
  remainingMs(): number;
  /** Set once the transaction ended (timed out, aborted, committing): every later operation throws it. */
  readonly ended: Error | undefined;
}

/** What a branch needs of its partition's engine. @internal */
export interface BranchHost {
  readonly partition: number | undefined;
  readonly state: PartitionState;
  readonly locks: LockTable;
  readonly log: TransactionLog | undefined;
  isClosed(): boolean;
  context(): ExecuteContext;
  /** Applies committed mutations, logs them through `append` (default: the engine's sink), wakes waiters. */
  commit(
    mutations: readonly Mutation[],
    append?: (mutations: readonly Mutation[]) => Promise<void>,
  ): Promise<void>;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * One partition's part of a transaction: a private overlay over the partition state. Operations run
 * `execute` against a scratch state holding the transaction's own version of every entry it touched
 * (copied from the committed state when first touched, then changed by `apply`), so reads inside the
 * transaction see its own writes and versions stay consistent. Nothing reaches the shared state or
 * the log before commit. Every entry written, changed or taken is locked in the partition until the
 * branch ends, so the committed state of those entries cannot move under the overlay.
 * @internal
 */
export class TransactionBranch {
  private readonly scratch: PartitionState;
  private readonly touched = new Map<string, Set<string>>();
  private readonly keys: string[] = [];
  private readonly mutations: Mutation[] = [];
  /** Live committed entries copied into the scratch state (to count the partition's size). */
  private copied = 0;
  private open = true;

  constructor(
    private readonly owner: TransactionOwner,
    private readonly host: BranchHost,
  ) {
    this.scratch = new PartitionState(host.state.types);
  }

  get partition(): number | undefined {
    return this.host.partition;
  }

  /** The mutations the commit will apply and log, in order. */
  get pending(): readonly Mutation[] {
    return this.mutations;
  }

  get log(): TransactionLog | undefined {
    return this.host.log;
  }

  /** True while the branch can still commit (open, and its engine still serving). */
  get usable(): boolean {
    return this.open && !this.host.isClosed();
  }

  /** Writes an entry inside the transaction (locks its id, waiting for another transaction's lock). */
  async write(type: string, entry: unknown, options?: WriteOptions): Promise<WriteResult> {
    this.check();
    const entryType = this.host.state.types.require(type);
    let input = entry;
    if (entryType.generatedIds && input !== null && typeof input === 'object') {
      const given = (input as Record<string, unknown>)[entryType.idField];
      const nextId = this.host.context().nextId;
      if ((given === undefined || given === null) && nextId)
        input = { ...(input as Record<string, unknown>), [entryType.idField]: nextId() };
    }
    // Validate before locking: bad input is refused without touching anything.
    await this.acquire(entryType, entryType.idOf(entryType.validate(input)));
    return this.run({ kind: 'write', type, entry: input, ...(options ? { options } : {}) });
  }

  /** The first match as this transaction sees it (its own writes, else the committed state); never locks. */
  read(type: string, selector: Selector): Entry | null {
    this.check();
    const entryType = this.host.state.types.require(type);
    const selection = compileSelector(entryType, selector, this.host.context().queries);
    return this.visible(entryType, selection, this.host.context().now, 1)[0]?.entry ?? null;
  }

  readMultiple(type: string, selector: Selector = ALL, limit = Infinity): Entry[] {
    this.check();
    const entryType = this.host.state.types.require(type);
    const selection = compileSelector(entryType, selector, this.host.context().queries);
    return this.visible(entryType, selection, this.host.context().now, limit).map((s) => s.entry);
  }

  /**
   * Takes the first match inside the transaction. By id it waits for another transaction's lock; by
   * template or query it skips entries locked by other transactions, so two transactions never take
   * the same entry.
   */
  async take(type: string, selector: Selector): Promise<Entry | null> {
    this.check();
    const entryType = this.host.state.types.require(type);
    const selection = compileSelector(entryType, selector, this.host.context().queries);
    if (isIdSelector(selector)) {
      await this.acquire(entryType, String(selector.id));
      return this.run({ kind: 'take', type, selector: { id: String(selector.id) } });
    }
    for (let want = 8; ; want *= 4) {
      const candidates = this.visible(entryType, selection, this.host.context().now, want);
      for (const candidate of candidates) {
        const key = lockKey(type, candidate.id);
        if (!this.touchedOf(type).has(candidate.id) && !this.host.locks.tryLock(key, this.owner)) continue;
        this.copyIn(entryType, candidate.id, key);
        return this.run({ kind: 'take', type, selector: { id: candidate.id } });
      }
      if (candidates.length < want) return null;
    }
  }

  /** Changes every match inside the transaction (locking each, waiting for other transactions' locks). */
  async change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options?: ChangeOptions,
  ): Promise<ChangeResult> {
    this.check();
    const entryType = this.host.state.types.require(type);
    const selection = compileSelector(entryType, selector, this.host.context().queries);
    if (isIdSelector(selector)) {
      await this.acquire(entryType, String(selector.id));
    } else {
      for (const target of this.visible(entryType, selection, this.host.context().now, Infinity))
        await this.acquire(entryType, target.id);
    }
    // Every match is now in the scratch state, in this transaction's version.
    return this.run({ kind: 'change', type, selector, changes, ...(options ? { options } : {}) });
  }

  /**
   * Applies the overlay to the partition (through `append`, default the engine's sink) and releases
   * the locks. Synchronous up to the returned promise, which resolves once the mutations are durable.
   */
  commit(append?: (mutations: readonly Mutation[]) => Promise<void>): Promise<void> {
    this.checkServing();
    this.open = false;
    try {
      return this.mutations.length === 0 ? Promise.resolve() : this.host.commit(this.mutations, append);
    } finally {
      // After the apply: whoever waited for these entries runs again against the new committed state.
      this.host.locks.releaseAll(this.owner, this.keys);
    }
  }

  /** Drops the overlay and releases the locks: the partition is as if the branch never ran. Idempotent. */
  abort(): void {
    if (!this.open) return;
    this.open = false;
    this.host.locks.releaseAll(this.owner, this.keys);
  }

  /** Locks an entry for this transaction, waiting while another transaction holds it, then copies it in. */
  private async acquire(type: EntryType, id: string): Promise<void> {
    const key = lockKey(type.name, id);
    for (;;) {
      this.check(); // checked in the same turn as tryLock: an ended branch never takes a lock
      if (this.host.locks.tryLock(key, this.owner)) break;
      await this.host.locks.whenReleased(key, Math.max(1, this.owner.remainingMs()));
    }
    this.copyIn(type, id, key);
  }

  /** First touch of an entry (already locked by us): copy its committed record into the scratch state. */
  private copyIn(type: EntryType, id: string, key: string): void {
    let ids = this.touched.get(type.name);
    if (!ids) this.touched.set(type.name, (ids = new Set()));
    if (ids.has(id)) return;
    ids.add(id);
    this.keys.push(key);
    const committed = this.host.state.store(type.name)?.entries.get(id);
    if (committed) {
      // The scratch state is private: its records come from the committed state, not from a log.
      this.scratch.storeOf(type).insert(committed);
      this.scratch.size++;
      this.copied++;
    }
  }

  /** Runs an operation against the scratch state and records (and applies there) its mutations. */
  private run<O extends Operation>(operation: O): OperationResults[O['kind']] {
    this.check();
    const ctx = this.host.context();
    const own = this.scratch.size;
    // Capacity checks count the whole partition as this transaction would leave it.
    this.scratch.size = this.host.state.size + own - this.copied;
    let execution;
    try {
      execution = execute(this.scratch, operation, ctx);
    } finally {
      this.scratch.size = own;
    }
    for (const m of execution.mutations) apply(this.scratch, m);
    this.mutations.push(...execution.mutations);
    return execution.result;
  }

  /** Live matches as this transaction sees them: its own records of touched entries, the committed rest. */
  private visible(type: EntryType, selection: Selection, now: number, limit: number): StoredEntry[] {
    const { limit: queryLimit, ...unlimited } = selection;
    const max = Math.min(limit, queryLimit ?? Infinity);
    if (max <= 0) return [];
    const touched = this.touchedOf(type.name);
    const own = touched.size > 0 ? selectEntries(this.scratch.storeOf(type), unlimited, now, max) : [];
    const committed = selectEntries(this.host.state.storeOf(type), unlimited, now, max + touched.size);
    const all = touched.size > 0 ? own.concat(committed.filter((s) => !touched.has(s.id))) : committed;
    const compare = selection.compare;
    if (compare && touched.size > 0) all.sort((a, b) => compare(a.entry, b.entry));
    return all.length > max ? all.slice(0, max) : all;
  }

  private touchedOf(type: string): ReadonlySet<string> {
    return this.touched.get(type) ?? NONE;
  }

  private check(): void {
    if (this.owner.ended) throw this.owner.ended;
    this.checkServing();
  }

  private checkServing(): void {
    if (!this.open) throw new SpaceClosedError('transaction branch has ended');
    if (this.host.isClosed()) {
      throw new SpaceClosedError(
        `partition ${String(this.host.partition)} stopped serving during the transaction`,
        {
          ...(this.host.partition !== undefined ? { partition: this.host.partition } : {}),
        },
      );
    }
  }
}
