import type { SpacelogError } from '../errors/SpacelogError';
import type { Mutation, MutationOp } from './Mutation';
import type { Entry } from '../schema/Entry';
import type { Selection } from './Selection';

/** What a subscriber receives once a mutation is committed (`E`: the entry's type, when typed). */
export interface SpaceEvent<E = Entry> {
  readonly op: MutationOp;
  readonly type: string;
  readonly id: string;
  readonly version: number;
  readonly leaseExpiresAt: number | null;
  /** The new state for WRITE / UPDATE, the removed state for TAKE / EXPIRE. */
  readonly entry: E;
}

export type SpaceListener<E = Entry> = (event: SpaceEvent<E>) => void;

interface Subscription {
  readonly selection: Selection;
  readonly listener: SpaceListener;
  readonly ops: ReadonlySet<MutationOp>;
  /** Told once when the engine stops delivering (it closed). */
  readonly onEnd: ((error: SpacelogError) => void) | undefined;
}

/**
 * Subscriptions per type. Listener errors are caught and handed to `onError` so one bad listener
 * cannot break the engine or the other listeners.
 * @internal
 */
export class SubscriptionHub {
  private readonly byType = new Map<string, Subscription[]>();

  constructor(private readonly onError: (error: unknown) => void) {}

  has(type: string): boolean {
    return this.byType.has(type);
  }

  get active(): boolean {
    return this.byType.size > 0;
  }

  add(
    type: string,
    selection: Selection,
    listener: SpaceListener,
    ops: ReadonlySet<MutationOp>,
    onEnd?: (error: SpacelogError) => void,
  ): () => void {
    const subscription: Subscription = { selection, listener, ops, onEnd };
    this.byType.set(type, [...(this.byType.get(type) ?? []), subscription]);
    return () => {
      const list = (this.byType.get(type) ?? []).filter((s) => s !== subscription);
      if (list.length === 0) this.byType.delete(type);
      else this.byType.set(type, list);
    };
  }

  /** Ends every subscription (the engine closed): each `onEnd` is told why, once; none hears more. */
  endAll(error: SpacelogError): void {
    const all = [...this.byType.values()].flat();
    this.byType.clear();
    for (const s of all) {
      try {
        s.onEnd?.(error);
      } catch (failure) {
        this.onError(failure);
      }
    }
  }

  /** Delivers one committed mutation; `entry` is the new state, or the removed one for TAKE / EXPIRE. */
  deliver(mutation: Mutation, entry: Entry | undefined): void {
    const list = this.byType.get(mutation.type);
    if (!list || entry === undefined) return;
    let event: SpaceEvent | undefined;
    for (const s of list) {
      if (!s.ops.has(mutation.op) || !s.selection.matches(entry)) continue;
      event ??= {
        op: mutation.op,
        type: mutation.type,
        id: mutation.id,
        version: mutation.version,
        leaseExpiresAt: mutation.leaseExpiresAt,
        entry,
      };
      try {
        s.listener(event);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
