import { SpacelogError, type SpacelogErrorOptions } from './SpacelogError';

/**
 * A page of a partition snapshot (`spacelog verify`'s read of the grid) named a cursor the primary
 * no longer holds: it expired, was evicted by newer ones, or the unit restarted. Retriable: the
 * reader opens a new snapshot of the partition.
 */
export class SnapshotCursorError extends SpacelogError {
  readonly cursor: string;
  constructor(cursor: string, options: SpacelogErrorOptions = {}) {
    const where = options.partition === undefined ? '' : ` of partition ${options.partition}`;
    super(
      `snapshot cursor '${cursor}'${where} is gone (expired or evicted); read again`,
      'SNAPSHOT_CURSOR_GONE',
      true,
      options,
    );
    this.name = 'SnapshotCursorError';
    this.cursor = cursor;
  }
}
