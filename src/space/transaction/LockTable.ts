import { TransactionLockTimeoutError } from '../../errors';
import type { Mutation } from '../Mutation';

/** Whoever holds locks: one open transaction (the same token on every partition it touches). */
export interface LockOwner {
  readonly id: string;
}

interface ReleaseWaiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The lock key of an entry: `type/id`, as in the log's record keys. */
export function lockKey(type: string, id: string): string {
  return `${type}/${id}`;
}

/**
 * Entry locks of one partition. An entry written, changed or taken inside an open transaction is
 * locked by it until it commits or aborts: another transaction waits for the lock, a plain write /
 * take / change of it waits for the release (then runs again against the committed state), and
 * plain reads never wait (they see the last committed state).
 * @internal
 */
export class LockTable {
  private readonly owners = new Map<string, LockOwner>();
  private readonly released = new Map<string, ReleaseWaiter[]>();

  /** Number of locked entries (0 on the hot path: every check is skipped). */
  get size(): number {
    return this.owners.size;
  }

  ownerOf(key: string): LockOwner | undefined {
    return this.owners.get(key);
  }

  /** Locks `key` for `owner` if it is free (or already its own); false when another owner holds it. */
  tryLock(key: string, owner: LockOwner): boolean {
    const current = this.owners.get(key);
    if (current === undefined) {
      this.owners.set(key, owner);
      return true;
    }
    return current === owner;
  }

  /** The first mutation's key locked by someone other than `owner`, if any. */
  lockedBy(mutations: readonly Mutation[], owner?: LockOwner): string | undefined {
    if (this.owners.size === 0) return undefined;
    for (const m of mutations) {
      const key = lockKey(m.type, m.id);
      const current = this.owners.get(key);
      if (current !== undefined && current !== owner) return key;
    }
    return undefined;
  }

  /**
   * Resolves once `key` is released (at once if it is free); rejects with TransactionLockTimeoutError
   * after `timeoutMs`. The caller then tries again: another waiter may have taken the lock first.
   */
  whenReleased(key: string, timeoutMs: number): Promise<void> {
    if (!this.owners.has(key)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const list = this.released.get(key) ?? [];
      const waiter: ReleaseWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.forget(key, waiter);
        const slash = key.indexOf('/');
        reject(
          new TransactionLockTimeoutError(timeoutMs, {
            type: key.slice(0, slash),
            entryId: key.slice(slash + 1),
          }),
        );
      }, timeoutMs);
      list.push(waiter);
      this.released.set(key, list);
    });
  }

  /** Releases every key `owner` holds among `keys` and wakes whoever waited for them. */
  releaseAll(owner: LockOwner, keys: Iterable<string>): void {
    const woken: ReleaseWaiter[] = [];
    for (const key of keys) {
      if (this.owners.get(key) !== owner) continue;
      this.owners.delete(key);
      const list = this.released.get(key);
      if (list) {
        this.released.delete(key);
        woken.push(...list);
      }
    }
    for (const waiter of woken) waiter.resolve();
  }

  /** Rejects every waiter (the engine closed). */
  rejectWaiters(error: unknown): void {
    const all = [...this.released.values()].flat();
    this.released.clear();
    for (const waiter of all) waiter.reject(error);
  }

  private forget(key: string, waiter: ReleaseWaiter): void {
    const list = this.released.get(key);
    if (!list) return;
    const at = list.indexOf(waiter);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.released.delete(key);
  }
}
