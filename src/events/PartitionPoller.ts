import { setMaxListeners } from 'node:events';
import { InvariantViolationError, NotPrimaryError, isRetriable } from '../errors';
import type { SpaceRouting } from '../api/SpaceRouting';
import type { EntryType } from '../schema/EntryType';
import type { Entry } from '../schema/Entry';
import { selectEntries, type Selection } from '../space/Selection';
import type { SpaceEngine } from '../space/SpaceEngine';
import { lockKey } from '../space/transaction/LockTable';
import { Transaction } from '../space/transaction/Transaction';
import { AttemptLedger } from './AttemptLedger';
import { CollocatedTransaction } from './CollocatedTransaction';
import type { ContainerHost } from './ContainerHost';
import { deadLetterEntry } from './deadLetter';
import type { ResolvedPollingOptions } from './PollingOptions';
import { Wakeup } from './Wakeup';

/** Counts of one partition, kept by the container across primary tenures. */
export interface PollingCounters {
  processed: number;
  failed: number;
  deadLettered: number;
}

/** What a poller needs from its container. @internal */
export interface PollerDeps {
  readonly host: ContainerHost;
  readonly options: ResolvedPollingOptions;
  readonly entryType: EntryType;
  readonly deadLetterType: EntryType;
  readonly selection: Selection;
  readonly routing: SpaceRouting;
  readonly counters: PollingCounters;
  readonly report: (error: unknown, entry: Entry | null, attempt: number) => void;
  readonly clock?: () => number;
  readonly random?: () => number;
}

/** An entry a loop picked for its next transaction (reserved in this poller until the cycle ends). */
interface Picked {
  readonly id: string;
  readonly version: number;
  readonly key: string;
}

/**
 * The polling loops of one partition during one primary tenure: `concurrency` loops, each running
 * cycles (pick free matching entries → one transaction: take them, run the handler on each, commit)
 * and waiting, when idle, for a matching write, a sibling's cycle to end, a backoff to fall due or
 * `receiveTimeout`. Stopped by `stop` (drains: in-flight cycles commit) or `lose` (the partition left:
 * in-flight cycles never commit).
 * @internal
 */
export class PartitionPoller {
  private readonly ended = new AbortController();
  private readonly wakeup = new Wakeup();
  private readonly ledger: AttemptLedger;
  private readonly reserved = new Set<string>();
  private readonly clock: () => number;
  private subscription: { engine: SpaceEngine; stop: () => void } | undefined;
  private loops: Promise<void>[] = [];
  private lost = false;
  private inFlight = 0;

  constructor(
    readonly partition: number,
    private readonly deps: PollerDeps,
  ) {
    const { maxAttempts, backoff, concurrency } = deps.options;
    this.ledger = new AttemptLedger(maxAttempts, backoff, deps.random);
    // Every loop of the partition waits on this one signal: up to 64 listeners is expected, not a leak.
    setMaxListeners(concurrency + 1, this.ended.signal);
    this.clock = deps.clock ?? Date.now;
  }

  /** `running` while a cycle is in flight, `idle` while every loop waits, `stopping` once ended. */
  get state(): 'running' | 'idle' | 'stopping' {
    if (this.ended.signal.aborted) return 'stopping';
    return this.inFlight > 0 ? 'running' : 'idle';
  }

  get cyclesInFlight(): number {
    return this.inFlight;
  }

  /** Entry versions waiting for a retry or a dead-letter move. */
  get retrying(): number {
    return this.ledger.size;
  }

  start(): void {
    for (let i = 0; i < this.deps.options.concurrency; i++) this.loops.push(this.loop());
  }

  /** No new cycles; resolves once the in-flight ones committed (or failed). */
  async stop(): Promise<void> {
    this.ended.abort();
    await Promise.all(this.loops);
    this.subscription?.stop();
    this.subscription = undefined;
  }

  /** The partition is no longer primary here: no new cycles, and no in-flight cycle commits. */
  lose(): Promise<void> {
    this.lost = true;
    return this.stop();
  }

  private async loop(): Promise<void> {
    const signal = this.ended.signal;
    while (!signal.aborted) {
      try {
        const engine = await this.deps.host.engine(this.partition);
        if (signal.aborted) break;
        this.follow(engine);
        await this.cycle(engine, signal);
      } catch (error) {
        if (signal.aborted) break;
        // The container's own trouble (an engine not serving yet, a bug): say so, pause, look again.
        this.deps.report(error, null, 0);
        await Wakeup.sleep(this.deps.options.receiveTimeout, signal);
      }
    }
  }

  /** Hears matching writes of the engine serving now (a partition rebuilt in place gets a new one). */
  private follow(engine: SpaceEngine): void {
    if (this.subscription?.engine === engine) return;
    this.subscription?.stop();
    const { type, selector } = this.deps.options;
    const stop = engine.subscribe(type, selector, () => this.wakeup.notify(), { ops: ['WRITE', 'UPDATE'] });
    this.subscription = { engine, stop };
  }

  private async cycle(engine: SpaceEngine, signal: AbortSignal): Promise<void> {
    const since = this.wakeup.generation;
    const now = this.clock();
    const picked = this.pick(engine, now);
    if (picked.length === 0) {
      // Nothing free: wait for a write, a sibling's release, the next backoff due, or the timeout.
      const due = this.ledger.nextDue(now);
      const receive = this.deps.options.receiveTimeout;
      await this.wakeup.wait(
        since,
        due === undefined ? receive : Math.max(1, Math.min(receive, due - now)),
        signal,
      );
      return;
    }
    this.inFlight++;
    try {
      const exhausted = picked.filter((p) => this.ledger.get(p.key)?.exhausted === true);
      if (exhausted.length > 0) {
        for (const p of exhausted) await this.moveToDeadLetter(engine, p);
      } else {
        await this.process(engine, picked);
      }
    } finally {
      this.inFlight--;
      for (const p of picked) this.reserved.delete(p.id);
      this.wakeup.notify(); // what this cycle held is free again: idle siblings look again
    }
  }

  /**
   * Up to batchSize matching entries that are free: not reserved by a sibling loop, not locked by
   * another transaction, not waiting for a backoff. Synchronous, so the reservation is atomic.
   */
  private pick(engine: SpaceEngine, now: number): Picked[] {
    const { entryType, selection, options } = this.deps;
    const store = engine.state.store(entryType.name);
    if (store === undefined || store.entries.size === 0) return [];
    // Reserved, locked and backing-off entries are skipped inside the scan, so a pick costs the
    // entries it passes on the way to a batch, not a rescan of every delayed one each time.
    const free = selectEntries(store, selection, now, options.batchSize, (stored) => {
      if (this.reserved.has(stored.id)) return false;
      if (engine.locks.ownerOf(lockKey(entryType.name, stored.id)) !== undefined) return false;
      return !this.ledger.isDelayed(AttemptLedger.key(entryType.name, stored.id, stored.version), now);
    });
    // The key again for the few picked (at most batchSize): cheaper than keeping every accepted
    // entry's key, since ORDER BY may accept many before it sorts and cuts.
    const out = free.map((stored): Picked => ({
      id: stored.id,
      version: stored.version,
      key: AttemptLedger.key(entryType.name, stored.id, stored.version),
    }));
    for (const p of out) this.reserved.add(p.id);
    return out;
  }

  /** One transaction: take the picked entries still as picked, run the handler on each, commit. */
  private async process(engine: SpaceEngine, picked: readonly Picked[]): Promise<void> {
    const { options, entryType, host, routing } = this.deps;
    const transaction = new Transaction(options.transactionTimeout);
    const taken: { p: Picked; entry: Entry }[] = [];
    let current: { p: Picked; entry: Entry; error?: unknown } | undefined;
    try {
      await transaction.run(async () => {
        const branch = await transaction.branch(this.partition, () => engine);
        for (const p of picked) {
          // Checked in the same turn as branch.take locks the entry: it is still the version picked.
          if (!this.stillAsPicked(engine, p)) continue;
          const entry = await branch.take(entryType.name, { id: p.id });
          if (entry !== null) taken.push({ p, entry });
        }
        const tx = new CollocatedTransaction(this.partition, branch, host.types, routing);
        for (const t of taken) {
          const running: { p: Picked; entry: Entry; error?: unknown } = { ...t };
          current = running;
          const context = {
            container: options.name,
            partition: this.partition,
            attempt: this.ledger.attemptOf(t.p.key),
            type: entryType.name,
            id: t.p.id,
            version: t.p.version,
            space: host.space,
          };
          try {
            await options.handler(t.entry, tx, context);
          } catch (error) {
            running.error = error;
            throw error;
          }
          current = undefined;
        }
        // Never commit for a partition that left: its new primary may already run these entries.
        if (this.lost) throw this.lostError();
      });
    } catch (error) {
      if (this.lost) return;
      await this.failed(engine, error, current, taken);
      return;
    }
    for (const t of taken) this.ledger.forget(t.p.key);
    this.deps.counters.processed += taken.length;
  }

  /**
   * An attempt failed and rolled back. The handler's failure (or a timeout while it ran) is charged to
   * its entry; a commit that failed for good is charged to every entry taken; a retriable failure
   * of the partition itself (it stopped serving) to none.
   */
  private async failed(
    engine: SpaceEngine,
    error: unknown,
    current: { p: Picked; entry: Entry; error?: unknown } | undefined,
    taken: readonly { p: Picked; entry: Entry }[],
  ): Promise<void> {
    const charged: readonly { p: Picked; entry: Entry }[] =
      current !== undefined ? [current] : isRetriable(error) ? [] : taken;
    if (charged.length === 0) {
      this.deps.report(error, null, 0);
      return;
    }
    const now = this.clock();
    for (const t of charged) {
      const cause = t === current && current.error !== undefined ? current.error : error;
      const record = this.ledger.failed(t.p.key, now, cause);
      this.deps.counters.failed++;
      this.deps.report(cause, t.entry, record.failures);
      if (record.exhausted && !this.ended.signal.aborted) await this.moveToDeadLetter(engine, t.p);
    }
  }

  /**
   * Out of attempts: in ONE transaction, take the entry (still the failed version) and write its
   * `<Type>DeadLetter` in the same partition. A failed move keeps the entry and tries again after a
   * backoff; an entry changed or taken meanwhile is forgotten (a new version starts a new count).
   */
  private async moveToDeadLetter(engine: SpaceEngine, p: Picked): Promise<void> {
    const { options, entryType, deadLetterType, routing } = this.deps;
    const record = this.ledger.get(p.key);
    if (record === undefined) return;
    const transaction = new Transaction(options.transactionTimeout);
    let entry: Entry | null = null;
    try {
      const moved = await transaction.run(async () => {
        const branch = await transaction.branch(this.partition, () => engine);
        if (engine.lookup(entryType.name, p.id)?.version !== p.version) return false;
        entry = await branch.take(entryType.name, { id: p.id });
        if (entry === null) return false;
        const letter = deadLetterEntry({
          type: entryType,
          entry,
          version: p.version,
          error: record.error,
          attempts: record.failures,
          container: options.name,
          now: this.clock(),
        });
        const target = routing.forWrite(deadLetterType, letter).partition;
        if (target !== this.partition) {
          throw new InvariantViolationError(
            `dead letter of ${entryType.name}/${p.id} routes to partition ${target}, not ${this.partition}`,
            { partition: this.partition, type: entryType.name, entryId: p.id },
          );
        }
        await branch.write(deadLetterType.name, letter);
        if (this.lost) throw this.lostError();
        return true;
      });
      this.ledger.forget(p.key);
      if (moved) this.deps.counters.deadLettered++;
    } catch (error) {
      if (this.lost) return;
      this.ledger.moveFailed(p.key, this.clock());
      this.deps.report(error, entry, record.failures);
    }
  }

  private stillAsPicked(engine: SpaceEngine, p: Picked): boolean {
    const stored = engine.lookup(this.deps.entryType.name, p.id);
    return (
      stored !== undefined &&
      stored.version === p.version &&
      engine.locks.ownerOf(lockKey(this.deps.entryType.name, p.id)) === undefined
    );
  }

  private lostError(): NotPrimaryError {
    return new NotPrimaryError(
      `partition ${this.partition} stopped being primary here during a polling cycle; rolled back`,
      { partition: this.partition },
    );
  }
}
