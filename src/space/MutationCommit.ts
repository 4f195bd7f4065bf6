import { apply } from './apply';
import { buildMutation, removal } from './buildMutation';
import type { ExecuteContext } from './ExecuteContext';
import type { Mutation } from './Mutation';
import type { Entry } from '../schema/Entry';
import type { PartitionState } from './PartitionState';
import type { MutationPosition, MutationSink } from './SpaceEngineOptions';
import type { SubscriptionHub } from './SubscriptionHub';
import type { Waiter, WaiterQueue } from './WaiterQueue';

/** What a commit touches: the partition's state, its log, its blocked operations and subscribers. @internal */
export interface MutationCommitParts {
  readonly state: PartitionState;
  readonly sink: MutationSink | undefined;
  readonly waiters: WaiterQueue;
  readonly subscriptions: SubscriptionHub;
  /** A fresh execution context (the primary's clock and identity), for the TAKEs waiters cause. */
  readonly context: () => ExecuteContext;
}

/**
 * The one way a partition's mutations take effect (`SpaceEngine` and transaction branches use it):
 * applied to the state, handed to the log, then offered to blocked reads and takes; subscribers hear
 * of them once the log has them.
 * @internal
 */
export class MutationCommit {
  private readonly state: PartitionState;
  private readonly sink: MutationSink | undefined;
  private readonly waiters: WaiterQueue;
  private readonly subscriptions: SubscriptionHub;
  private readonly context: () => ExecuteContext;
  /**
   * The latest append handed to the log. A partition's appends complete in order (one group-commit
   * batch in flight at a time), so once it settles every earlier one has: see {@link appended}.
   */
  private lastAppend: Promise<unknown> | undefined;

  constructor(parts: MutationCommitParts) {
    this.state = parts.state;
    this.sink = parts.sink;
    this.waiters = parts.waiters;
    this.subscriptions = parts.subscriptions;
    this.context = parts.context;
  }

  /**
   * Applies mutations, hands them to the sink, and offers new states to waiters. Resolves once the
   * sink has them; waiters and subscribers are only told after that.
   */
  commit(
    mutations: readonly Mutation[],
    append?: (mutations: readonly Mutation[]) => Promise<void>,
  ): Promise<void | readonly MutationPosition[]> {
    const single = mutations.length === 1 && append === undefined ? mutations[0] : undefined;
    if (single?.op === 'WRITE' && this.waiters.has(single.type)) {
      const { reads, take } = this.waiters.claim(single.type, single.state as Entry);
      if (take) return this.handOver(single, reads, take);
      const durable = this.apply(mutations);
      this.answerReads(reads, single.state as Entry, durable);
      return this.notifyWhen(mutations, [undefined], durable);
    }
    const removed = this.subscriptions.active ? this.removedStates(mutations) : undefined;
    // `append` is a multi-partition commit's hold on this partition's log; otherwise the sink.
    const durable = this.apply(mutations, append);
    // Offer to waiters after the append call, so the log order of any TAKE they cause follows the write.
    for (const m of mutations) {
      if (m.state !== null && this.waiters.has(m.type)) this.wake(m, durable);
    }
    return this.notifyWhen(mutations, removed, durable);
  }

  /**
   * Settles once every mutation applied so far has reached the log or failed to (a failure
   * fail-stops the partition); never rejects. A barrier for readers of the state that must compare
   * it with the log (`spacelog verify`): what the state showed before the call is in the log after it.
   */
  appended(): Promise<void> {
    const last = this.lastAppend?.then(noop, noop);
    const behind = this.sink?.appended?.();
    if (behind === undefined) return last ?? Promise.resolve();
    return last === undefined ? behind : Promise.all([last, behind]).then(noop);
  }

  /** Applies mutations and hands them to the log; returns the append (none without a sink). */
  private apply(
    mutations: readonly Mutation[],
    append?: (mutations: readonly Mutation[]) => Promise<void>,
  ): Promise<void | readonly MutationPosition[]> | undefined {
    for (const m of mutations) apply(this.state, m);
    const appending = append ? append(mutations) : this.sink?.append(mutations);
    if (appending !== undefined) this.lastAppend = appending;
    return appending;
  }

  /** Tells subscribers of mutations once durable; `removed` holds the states of TAKE / EXPIRE. */
  private notifyWhen(
    mutations: readonly Mutation[],
    removed: readonly (Entry | undefined)[] | undefined,
    durable: Promise<void | readonly MutationPosition[]> | undefined,
  ): Promise<void | readonly MutationPosition[]> {
    const notify = (): void => {
      if (!this.subscriptions.active) return;
      mutations.forEach((m, i) => this.subscriptions.deliver(m, m.state ?? removed?.[i]));
    };
    if (!durable) {
      notify();
      return Promise.resolve();
    }
    return durable.then((positions) => {
      notify();
      return positions;
    });
  }

  /**
   * A new entry claimed by a blocked take is handed over: its WRITE and the TAKE go to the log in one
   * append (durable together), and the state is left alone, because the pair cancels out there (a WRITE
   * at version 1 of an id with no entry, then the TAKE of that version): a fold of the log gives the
   * same state, without an insert into and a removal from every index. Resolves with the WRITE's position.
   */
  private handOver(
    write: Mutation,
    reads: readonly Waiter[],
    take: Waiter,
  ): Promise<void | readonly MutationPosition[]> {
    // `execute` builds a lone WRITE only for an id with no entry (over an expired one it is EXPIRE +
    // WRITE, over a live one an UPDATE), so there is nothing to check against the state here.
    const entry = write.state as Entry;
    // Built as every mutation is (a spread would be a generic clone, and a second shape), stamped
    // like its WRITE.
    const stamp = { now: write.timestamp, origin: write.origin };
    const removed = buildMutation(
      'TAKE',
      write.type,
      write.id,
      write.version,
      write.leaseExpiresAt,
      null,
      stamp,
    );
    const pair: Mutation[] = [write, removed];
    // The take is claimed (its timeout and abort disarmed): it is settled on every path, even a sink
    // that throws instead of rejecting.
    let durable: Promise<void | readonly MutationPosition[]> | undefined;
    try {
      durable = this.sink?.append(pair);
    } catch (error) {
      durable = Promise.reject(error);
    }
    if (durable !== undefined) this.lastAppend = durable;
    this.answerReads(reads, entry, durable);
    if (durable) durable.then(() => take.resolve(entry), take.reject);
    else take.resolve(entry);
    return this.notifyWhen(pair, [undefined, entry], durable).then((positions) => positions?.slice(0, 1));
  }

  private answerReads(reads: readonly Waiter[], entry: Entry, durable: Promise<unknown> | undefined): void {
    for (const waiter of reads) {
      if (durable) durable.then(() => waiter.resolve(entry), waiter.reject);
      else waiter.resolve(entry);
    }
  }

  private removedStates(mutations: readonly Mutation[]): (Entry | undefined)[] {
    return mutations.map((m) =>
      m.state === null ? this.state.store(m.type)?.entries.get(m.id)?.entry : undefined,
    );
  }

  /**
   * Offers a committed state to the waiters of its type. Only a state the commit leaves live is
   * offered: of a commit that writes an id twice, or writes and removes it (a transaction), the
   * earlier states were never visible, and a take claimed for one of them would have nothing to
   * take (a claimed take must be settled: it no longer times out).
   */
  private wake(m: Mutation, durable: Promise<unknown> | undefined): void {
    const stored = this.state.store(m.type)?.entries.get(m.id);
    if (stored === undefined || stored.entry !== m.state) return;
    const entry = stored.entry;
    const { reads, take } = this.waiters.claim(m.type, entry);
    this.answerReads(reads, entry, durable);
    if (!take) return;
    let taken: Promise<unknown>;
    try {
      taken = this.commit([removal('TAKE', m.type, stored, this.context())]);
    } catch (error) {
      taken = Promise.reject(error);
    }
    taken.then(() => take.resolve(entry), take.reject);
  }
}

function noop(): void {}
