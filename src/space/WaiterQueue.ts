import { OperationAbortedError } from '../errors';
import type { FieldGetter } from '../schema/EntryType';
import type { Entry } from '../schema/Entry';
import type { Selection } from './Selection';

/** A blocked read or take waiting for a matching write. @internal */
export interface Waiter {
  readonly kind: 'read' | 'take';
  readonly selection: Selection;
  /** Settles the waiter (idempotent: the first call wins) and releases its timer / abort listener. */
  readonly resolve: (entry: Entry | null) => void;
  readonly reject: (error: unknown) => void;
  /**
   * Releases the timer and abort listener without settling: from then on only `resolve` / `reject`
   * settle the waiter. `claim` calls it on the take it hands an entry to.
   */
  readonly disarm: () => void;
}

/** A waiter with its arrival number (first come first served across all lists of its type). */
interface Queued {
  readonly waiter: Waiter;
  readonly seq: number;
}

/** The waiters of one type whose selections pin one field (`Selection.waitOn`), by that value. */
interface FieldWaiters {
  readonly get: FieldGetter;
  readonly byValue: Map<unknown, Queued[]>;
}

/** The waiters of one type: filed by a pinned field when they have one, else in one list. */
class TypeWaiters {
  count = 0;
  readonly byField = new Map<string, FieldWaiters>();
  readonly others: Queued[] = [];

  /** The list a waiter belongs in (created when `create`). */
  list(waiter: Waiter, create: boolean): Queued[] | undefined {
    const on = waiter.selection.waitOn;
    if (on === undefined) return this.others;
    let field = this.byField.get(on.path);
    if (field === undefined) {
      if (!create) return undefined;
      field = { get: waiter.selection.type.getter(on.path), byValue: new Map() };
      this.byField.set(on.path, field);
    }
    let list = field.byValue.get(on.value);
    if (list === undefined && create) field.byValue.set(on.value, (list = []));
    return list;
  }
}

/**
 * Blocked reads and takes of one partition, per type, in arrival order. A write is offered to the
 * waiters of its type: every matching read, and the FIRST matching take only (first come first served;
 * one write satisfies at most one take). Waiters whose selection pins a field to a value are filed
 * under it, so a write looks only at the waiters it could satisfy (plus the unfiled ones), not at all.
 * @internal
 */
export class WaiterQueue {
  private readonly byType = new Map<string, TypeWaiters>();
  private seq = 0;

  get size(): number {
    let n = 0;
    for (const waiters of this.byType.values()) n += waiters.count;
    return n;
  }

  add(type: string, waiter: Waiter): void {
    let waiters = this.byType.get(type);
    if (!waiters) this.byType.set(type, (waiters = new TypeWaiters()));
    (waiters.list(waiter, true) as Queued[]).push({ waiter, seq: this.seq++ });
    waiters.count++;
  }

  remove(type: string, waiter: Waiter): void {
    const waiters = this.byType.get(type);
    const list = waiters?.list(waiter, false);
    if (!waiters || !list) return;
    const at = list.findIndex((queued) => queued.waiter === waiter);
    if (at < 0) return;
    list.splice(at, 1);
    const on = waiter.selection.waitOn;
    if (list.length === 0 && on) waiters.byField.get(on.path)?.byValue.delete(on.value);
    this.settled(waiters, 1);
  }

  /** True when some waiter of that type exists (the write path's cheap check). */
  has(type: string): boolean {
    const waiters = this.byType.get(type);
    return waiters !== undefined && waiters.count > 0;
  }

  /**
   * Removes and returns the waiters a new entry state satisfies: all matching reads, and the first
   * matching take (if any), in arrival order.
   *
   * The take returned is committed to this entry: its timeout and abort are disarmed here, so the
   * caller MUST settle it, with the entry once the TAKE is durable or with the append's error.
   * Otherwise a take timing out or aborted while the TAKE is being appended would answer null while
   * the log removes the entry for it: an acknowledged write lost (issue 16). A failed append fails the
   * write as well, so then nothing was acknowledged and nothing is lost. Reads keep their deadline: a
   * read answering null before the write is durable loses nothing.
   */
  claim(type: string, entry: Entry): { reads: Waiter[]; take: Waiter | undefined } {
    const reads: Waiter[] = [];
    const waiters = this.byType.get(type);
    if (!waiters) return { reads, take: undefined };
    // The lists this entry could satisfy: the unfiled one, and per pinned field the entry's value's.
    const lists: { list: Queued[]; byValue?: Map<unknown, Queued[]>; value?: unknown }[] = [];
    if (waiters.others.length > 0) lists.push({ list: waiters.others });
    for (const field of waiters.byField.values()) {
      const value = field.get(entry);
      const list = field.byValue.get(value);
      if (list !== undefined) lists.push({ list, byValue: field.byValue, value });
    }
    let take: Queued | undefined;
    const claimed: Queued[] = [];
    for (const { list } of lists) {
      for (const queued of list) {
        const { waiter } = queued;
        if (waiter.kind === 'read') {
          if (waiter.selection.matches(entry)) claimed.push(queued);
        } else if ((take === undefined || queued.seq < take.seq) && waiter.selection.matches(entry)) {
          take = queued;
        }
      }
    }
    if (claimed.length === 0 && take === undefined) return { reads, take: undefined };
    const gone = new Set(claimed);
    if (take) gone.add(take);
    for (const { list, byValue, value } of lists) {
      let kept = 0;
      for (const queued of list) if (!gone.has(queued)) list[kept++] = queued;
      list.length = kept;
      if (kept === 0 && byValue) byValue.delete(value);
    }
    // Reads in arrival order, as one list of all waiters would have yielded them.
    claimed.sort((a, b) => a.seq - b.seq);
    for (const queued of claimed) reads.push(queued.waiter);
    this.settled(waiters, gone.size);
    take?.waiter.disarm();
    return { reads, take: take?.waiter };
  }

  /**
   * Files a blocked read or take and returns its answer: the entry a later write hands it (`claim`),
   * null once `timeout` ms pass (Infinity: never), or OperationAbortedError when `signal` aborts.
   * Registered synchronously: a write issued right after this call already sees the waiter.
   * Timeout and abort count only while the take waits: once claimed, it answers with the entry (or
   * the append's error), however long the append takes.
   *
   * A remote take's signal is its request's (`ServerConnection` aborts it on a cancel frame, a client
   * gone, or the server closing). A claimed take is not aborted by it either: the TAKE is logged and
   * the answer goes out if the connection still can carry it. When it cannot, that entry was returned
   * by an acknowledged take whose caller vanished, exactly as if the client had crashed right after a
   * take's reply: a remote take is delivered at most once. The alternative, putting the entry back,
   * would need a second WRITE with no way to know the reply was not already read, so it is not done;
   * a consumer that must not drop a taken entry takes it in a transaction (`space.transaction`, in
   * the process that holds the partition until transactions go over the wire) and commits after
   * processing.
   */
  wait(
    type: string,
    kind: 'read' | 'take',
    selection: Selection,
    timeout: number,
    signal: AbortSignal | undefined,
  ): Promise<Entry | null> {
    return new Promise<Entry | null>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const disarm = (): void => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        signal?.removeEventListener('abort', onAbort);
      };
      const cleanup = (): void => {
        settled = true;
        disarm();
      };
      const waiter: Waiter = {
        kind,
        selection,
        disarm,
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
        this.remove(type, waiter);
        waiter.reject(new OperationAbortedError({ type }));
      };
      if (timeout !== Infinity) {
        timer = setTimeout(() => {
          this.remove(type, waiter);
          waiter.resolve(null);
        }, timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.add(type, waiter);
    });
  }

  /** Removes every waiter and returns them (for close). */
  drain(): Waiter[] {
    const all: Queued[] = [];
    for (const waiters of this.byType.values()) {
      all.push(...waiters.others);
      for (const field of waiters.byField.values())
        for (const list of field.byValue.values()) all.push(...list);
    }
    this.byType.clear();
    return all.sort((a, b) => a.seq - b.seq).map((queued) => queued.waiter);
  }

  /**
   * Counts `n` waiters gone. A type's (emptied) lists stay: a taker that waits, is served and waits
   * again would otherwise rebuild them every time.
   */
  private settled(waiters: TypeWaiters, n: number): void {
    waiters.count -= n;
  }
}
