import type { Entry } from './Mutation';
import type { Selection } from './Selection';

/** A blocked read or take waiting for a matching write. @internal */
export interface Waiter {
  readonly kind: 'read' | 'take';
  readonly selection: Selection;
  /** Settles the waiter (idempotent: the first call wins) and releases its timer / abort listener. */
  readonly resolve: (entry: Entry | null) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Blocked reads and takes of one partition, per type, in arrival order. A write is offered to the
 * waiters of its type: every matching read, and the FIRST matching take only (first come first served;
 * one write satisfies at most one take).
 * @internal
 */
export class WaiterQueue {
  private readonly byType = new Map<string, Waiter[]>();

  get size(): number {
    let n = 0;
    for (const list of this.byType.values()) n += list.length;
    return n;
  }

  add(type: string, waiter: Waiter): void {
    const list = this.byType.get(type);
    if (list) list.push(waiter);
    else this.byType.set(type, [waiter]);
  }

  remove(type: string, waiter: Waiter): void {
    const list = this.byType.get(type);
    if (!list) return;
    const at = list.indexOf(waiter);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.byType.delete(type);
  }

  /** True when some waiter of that type exists (the write path's cheap check). */
  has(type: string): boolean {
    return this.byType.has(type);
  }

  /**
   * Removes and returns the waiters a new entry state satisfies: all matching reads, and the first
   * matching take (if any).
   */
  claim(type: string, entry: Entry): { reads: Waiter[]; take: Waiter | undefined } {
    const list = this.byType.get(type);
    const reads: Waiter[] = [];
    let take: Waiter | undefined;
    if (!list) return { reads, take };
    const kept: Waiter[] = [];
    for (const waiter of list) {
      if (waiter.kind === 'read' && waiter.selection.matches(entry)) reads.push(waiter);
      else if (waiter.kind === 'take' && take === undefined && waiter.selection.matches(entry)) take = waiter;
      else kept.push(waiter);
    }
    if (kept.length === 0) this.byType.delete(type);
    else if (kept.length !== list.length) this.byType.set(type, kept);
    return { reads, take };
  }

  /** Removes every waiter and returns them (for close). */
  drain(): Waiter[] {
    const all = [...this.byType.values()].flat();
    this.byType.clear();
    return all;
  }
}
