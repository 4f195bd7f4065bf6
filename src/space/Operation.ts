import type { ChangeOp } from './ChangeSet';
import type { Entry } from '../schema/Entry';
import type { Selector } from './Selector';

/** How a write treats an existing entry with the same id. */
export type WriteMode = 'upsert' | 'insert-only' | 'update-only';

export interface WriteOptions {
  /** Lease in ms from now; undefined or Infinity = forever. */
  readonly lease?: number;
  /** Default `upsert`. */
  readonly mode?: WriteMode;
  /** Optimistic lock: the version the entry must be at (0 = must not exist). */
  readonly expectedVersion?: number;
}

export interface ChangeOptions {
  /** New lease in ms from now for every changed entry; undefined keeps each entry's lease. */
  readonly lease?: number;
  /** Optimistic lock for an id selector. */
  readonly expectedVersion?: number;
}

/** Outcome of a write or a lease renewal. */
export interface WriteResult {
  readonly id: string;
  readonly version: number;
  readonly leaseExpiresAt: number | null;
  /**
   * Where the mutation landed in its partition log (sync replication only): hand it to
   * `grid.mirror.waitFor` / `waitForMirror` to read your own write from PostgreSQL.
   */
  readonly position?: { readonly partition: number; readonly offset: number };
}

/** Outcome of a change: the entries changed, with their new versions. */
export interface ChangeResult {
  readonly count: number;
  readonly changed: readonly WriteResult[];
}

/** One operation on a partition, as `execute` takes it. */
export type Operation =
  | {
      readonly kind: 'write';
      readonly type: string;
      readonly entry: unknown;
      readonly options?: WriteOptions;
    }
  | { readonly kind: 'read' | 'take' | 'count' | 'clear'; readonly type: string; readonly selector: Selector }
  | {
      readonly kind: 'readMultiple' | 'takeMultiple';
      readonly type: string;
      readonly selector: Selector;
      readonly limit?: number;
    }
  | {
      readonly kind: 'change';
      readonly type: string;
      readonly selector: Selector;
      readonly changes: readonly ChangeOp[];
      readonly options?: ChangeOptions;
    }
  | { readonly kind: 'renew'; readonly type: string; readonly id: string; readonly lease: number }
  | { readonly kind: 'expireDue'; readonly limit?: number };

/** The result of each operation kind. */
export interface OperationResults {
  write: WriteResult;
  read: Entry | null;
  take: Entry | null;
  readMultiple: Entry[];
  takeMultiple: Entry[];
  count: number;
  clear: number;
  change: ChangeResult;
  renew: WriteResult;
  expireDue: number;
}

export type OperationKind = Operation['kind'];
