import { ResultTooLargeError, SnapshotCursorError, TaskFailedError } from '../errors';
import {
  MAX_SNAPSHOT_PAGE_ROWS,
  SNAPSHOT_OPEN_TASK,
  SNAPSHOT_PAGE_TASK,
  type SnapshotOpened,
  type SnapshotPage,
  type SnapshotPageArgs,
  type SnapshotRow,
} from './PartitionSnapshots';
import type { Space } from '../api/Space';
import { retry } from '../retry/Retrier';

export type { SnapshotRow } from './PartitionSnapshots';

/** How a partition snapshot is read. */
export interface PartitionSnapshotReadOptions {
  /** Rows asked per page; default MAX_SNAPSHOT_PAGE_ROWS (halved while an answer is too large). */
  readonly pageRows?: number;
  /** Milliseconds each call may take; default 60 000. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  /** Opens of a new snapshot when the primary dropped the cursor mid-read; default 3. */
  readonly reopenAttempts?: number;
}

/** A partition's resident entries at one instant, as its primary reported them. */
export interface PartitionSnapshotRead {
  readonly rows: readonly SnapshotRow[];
  /** Calls made (open + pages). */
  readonly calls: number;
}

const DEFAULT_SNAPSHOT_TIMEOUT_MS = 60_000;
const DEFAULT_REOPEN_ATTEMPTS = 3;

/**
 * Reads one partition's resident entries (state, version, lease) at one instant, through any Space
 * (a RemoteSpace over the wire, or a grid in process): opens a snapshot at the partition's primary
 * (the reserved task `$snapshot:open`, answered once the log holds everything the snapshot shows) and
 * reads it page by page. A page too large for the server's result bound is asked again at half the
 * rows; a cursor the primary dropped (it moved, restarted, or the read idled) reopens the snapshot.
 * Needs the `execute` (or `admin`) grant when the server checks permissions.
 */
export async function readPartitionSnapshot(
  space: Pick<Space, 'execute'>,
  partition: number,
  options: PartitionSnapshotReadOptions = {},
): Promise<PartitionSnapshotRead> {
  const call = {
    partition,
    idempotent: true,
    timeout: options.timeout ?? DEFAULT_SNAPSHOT_TIMEOUT_MS,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  let limit = Math.max(1, Math.min(options.pageRows ?? MAX_SNAPSHOT_PAGE_ROWS, MAX_SNAPSHOT_PAGE_ROWS));
  let calls = 0;
  // Only a cursor lost while paging reopens the snapshot; a failed open is the caller's.
  let paging = false;
  return retry(
    async () => {
      paging = false;
      const opened = await space.execute<SnapshotOpened>(SNAPSHOT_OPEN_TASK, {}, call);
      calls++;
      paging = true;
      const rows: SnapshotRow[] = [];
      let from: number | null = 0;
      while (from !== null && opened.total > 0) {
        const args: SnapshotPageArgs = { cursor: opened.cursor, from, limit };
        let page: SnapshotPage;
        try {
          page = await space.execute<SnapshotPage>(SNAPSHOT_PAGE_TASK, args, call);
          calls++;
        } catch (error) {
          if (error instanceof ResultTooLargeError && limit > 1) {
            limit = Math.ceil(limit / 2);
            continue;
          }
          throw error;
        }
        for (const row of page.rows) rows.push(row);
        from = page.next;
      }
      return { rows, calls };
    },
    {
      retriable: (error) => paging && cursorGone(error),
      maxAttempts: options.reopenAttempts ?? DEFAULT_REOPEN_ATTEMPTS,
      exhausted: 'last',
    },
  );
}

/** The primary no longer holds the cursor (as thrown in process, or as a task failure over the wire). */
function cursorGone(error: unknown): boolean {
  if (error instanceof SnapshotCursorError) return true;
  return error instanceof TaskFailedError && error.causeCode === 'SNAPSHOT_CURSOR_GONE';
}
