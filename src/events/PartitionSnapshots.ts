import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, SnapshotCursorError } from '../errors';
import type { Entry } from '../schema/Entry';
import type { ResolvedTask } from './ResolvedTask';
import type { TaskContext } from '../api/Task';

/** Reserved task names of partition snapshots (what `spacelog verify` reads the grid with). */
export const SNAPSHOT_TASK_PREFIX = '$snapshot:';
/** Opens a snapshot of the partition: `{}` → {@link SnapshotOpened}. */
export const SNAPSHOT_OPEN_TASK = `${SNAPSHOT_TASK_PREFIX}open`;
/** One page of an open snapshot: {@link SnapshotPageArgs} → {@link SnapshotPage}. */
export const SNAPSHOT_PAGE_TASK = `${SNAPSHOT_TASK_PREFIX}page`;

/** One resident entry as a snapshot page carries it: `[type, id, version, leaseExpiresAt, entry]`. */
export type SnapshotRow = readonly [string, string, number, number | null, Entry];

/** What opening a snapshot answers. */
export interface SnapshotOpened {
  readonly cursor: string;
  /** Entries in the snapshot. */
  readonly total: number;
}

/** Arguments of a page: the cursor, the first row and at most how many rows. */
export interface SnapshotPageArgs {
  readonly cursor: string;
  readonly from: number;
  readonly limit: number;
}

/** A page of a snapshot; `next` is the `from` of the following page, null after the last one. */
export interface SnapshotPage {
  readonly rows: readonly SnapshotRow[];
  readonly next: number | null;
}

/** Most rows one page holds, whatever the caller asks (the server's result bounds apply too). */
export const MAX_SNAPSHOT_PAGE_ROWS = 5_000;
/** Snapshots one host keeps open at once; opening one more drops the oldest. */
export const MAX_OPEN_SNAPSHOTS = 8;
/** A snapshot nobody read a page of for this long is dropped. */
export const SNAPSHOT_IDLE_MS = 60_000;

interface OpenSnapshot {
  readonly partition: number;
  readonly rows: readonly SnapshotRow[];
  lastUsed: number;
}

/**
 * Consistent snapshots of a partition's resident entries, read page by page over the wire (a remote
 * service of every host, the reserved tasks `$snapshot:open` and `$snapshot:page`).
 *
 * Opening copies every resident entry (state, version, lease; expired ones whose EXPIRE is not logged
 * yet included, as the log's fold has them) in one synchronous step, so the snapshot is the
 * partition's state at one instant, and answers only once every mutation that state reflects is in
 * the log (`SpaceEngine.appended`): the log end read after the answer covers it. Entries are frozen,
 * so the copy holds references, not clones. Pages are slices of that copy. At most
 * MAX_OPEN_SNAPSHOTS are held, each dropped after SNAPSHOT_IDLE_MS unread or once its last page is read;
 * a page of a dropped one is SnapshotCursorError (retriable: open again).
 * @internal
 */
export class PartitionSnapshots {
  private readonly open = new Map<string, OpenSnapshot>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** The body of a reserved snapshot task, or a typed refusal before anything runs. */
  resolve(name: string, args: unknown, partition: number): ResolvedTask {
    if (name === 'open') return { label: SNAPSHOT_OPEN_TASK, run: (_a, context) => this.openAt(context) };
    if (name === 'page') {
      const page = pageArgsOf(args);
      return { label: SNAPSHOT_PAGE_TASK, run: () => this.page(page, partition) };
    }
    throw new InvalidArgumentError(`unknown snapshot task '${SNAPSHOT_TASK_PREFIX}${name}'`, { partition });
  }

  /** Snapshots held now (for tests). */
  get size(): number {
    return this.open.size;
  }

  private async openAt(context: TaskContext): Promise<SnapshotOpened> {
    const { engine, partition } = context;
    const rows: SnapshotRow[] = [];
    for (const e of engine.entries()) rows.push([e.type, e.id, e.version, e.leaseExpiresAt, e.entry]);
    // Taken before any await: the barrier covers exactly the state copied above.
    const appended = engine.appended();
    this.expire();
    while (this.open.size >= MAX_OPEN_SNAPSHOTS) {
      const oldest = this.open.keys().next().value as string;
      this.open.delete(oldest);
    }
    const cursor = randomUUID();
    this.open.set(cursor, { partition, rows, lastUsed: this.clock() });
    await appended;
    return { cursor, total: rows.length };
  }

  private page(args: SnapshotPageArgs, partition: number): SnapshotPage {
    this.expire();
    const snapshot = this.open.get(args.cursor);
    if (snapshot === undefined || snapshot.partition !== partition) {
      throw new SnapshotCursorError(args.cursor, { partition });
    }
    snapshot.lastUsed = this.clock();
    const end = Math.min(snapshot.rows.length, args.from + Math.min(args.limit, MAX_SNAPSHOT_PAGE_ROWS));
    const rows = snapshot.rows.slice(args.from, end);
    const done = end >= snapshot.rows.length;
    if (done) this.open.delete(args.cursor);
    return { rows, next: done ? null : end };
  }

  private expire(): void {
    const now = this.clock();
    for (const [cursor, snapshot] of this.open) {
      if (now - snapshot.lastUsed > SNAPSHOT_IDLE_MS) this.open.delete(cursor);
    }
  }
}

function pageArgsOf(args: unknown): SnapshotPageArgs {
  const page = args as Partial<SnapshotPageArgs> | null;
  if (
    page === null ||
    typeof page !== 'object' ||
    typeof page.cursor !== 'string' ||
    !Number.isSafeInteger(page.from) ||
    (page.from as number) < 0 ||
    !Number.isSafeInteger(page.limit) ||
    (page.limit as number) < 1
  ) {
    throw new InvalidArgumentError('a snapshot page is { cursor, from >= 0, limit >= 1 }');
  }
  return page as SnapshotPageArgs;
}
