import type { Knex } from 'knex';
import { MirrorSchemaMismatchError } from '../errors';
import { qualified } from './naming';

/** A partition's row in `spacelog_offsets`. */
export interface StoredPosition {
  /** Next Kafka offset to apply. */
  readonly offset: number;
  /**
   * Epoch ms before which no record at or after `offset` was appended (the newest applied mutation's
   * timestamp, or when the mirror saw the log end at `offset`); null when unknown (written before
   * migration 0003). Kafka removes a tombstone no sooner than `delete.retention.ms` after it was
   * appended, so until `coveredAt + delete.retention.ms` no TAKE / EXPIRE after `offset` can be gone.
   */
  readonly coveredAt: number | null;
  /** Rebuilds of the partition from a full read of its log so far. */
  readonly reconciles: number;
}

/**
 * The mirror's applied positions in `spacelog_offsets`: per (space, partition) the next Kafka offset
 * to apply. It is written only inside the transaction that writes the rows it covers.
 */
export class OffsetStore {
  private readonly table: string;

  constructor(
    private readonly schema: string,
    private readonly space: string,
  ) {
    this.table = qualified(schema, 'spacelog_offsets');
  }

  /** Every partition's applied position (partitions never applied are absent: position 0). */
  async readAll(knex: Knex): Promise<Map<number, number>> {
    const rows = (await knex
      .withSchema(this.schema)
      .table('spacelog_offsets')
      .select('partition', 'topic_offset')
      .where({ space: this.space })) as { partition: number; topic_offset: string | number }[];
    return new Map(rows.map((r) => [Number(r.partition), Number(r.topic_offset)]));
  }

  /**
   * Inside a batch transaction: the partition's applied position, row-locked until commit, so two
   * projectors (a rebalance, a zombie) never apply the same records: the second one waits, then sees
   * the new position and drops what is already applied.
   */
  async lock(trx: Knex.Transaction, partition: number): Promise<number> {
    // One round trip: creates the row if needed, else takes its row lock (ON CONFLICT DO UPDATE locks
    // like FOR UPDATE, and after a wait sees the committed position) and returns the position.
    const result = (await trx.raw(
      `INSERT INTO ${this.table} AS o (space, partition, topic_offset, updated_at) VALUES (?, ?, 0, now()) ` +
        'ON CONFLICT (space, partition) DO UPDATE SET space = o.space RETURNING o.topic_offset',
      [this.space, partition],
    )) as { rows: { topic_offset: string }[] };
    return Number(result.rows[0]?.topic_offset ?? 0);
  }

  /**
   * Inside the batch transaction: the new applied position, and with `coveredAt` (epoch ms) the
   * instant before which no record after it was appended (see {@link StoredPosition.coveredAt}); it
   * only moves forward.
   */
  async set(trx: Knex.Transaction, partition: number, next: number, coveredAt?: number): Promise<void> {
    if (coveredAt === undefined) {
      await trx.raw(
        `UPDATE ${this.table} SET topic_offset = ?, updated_at = now() WHERE space = ? AND partition = ?`,
        [next, this.space, partition],
      );
      return;
    }
    await trx.raw(
      `UPDATE ${this.table} SET topic_offset = ?, updated_at = now(), ` +
        'covered_at = GREATEST(covered_at, to_timestamp(?::double precision / 1000)) ' +
        'WHERE space = ? AND partition = ?',
      [next, coveredAt, this.space, partition],
    );
  }

  /** Inside the transaction of a rebuild from the whole log: counts it. */
  async countReconcile(trx: Knex.Transaction, partition: number): Promise<void> {
    await trx.raw(`UPDATE ${this.table} SET reconciles = reconciles + 1 WHERE space = ? AND partition = ?`, [
      this.space,
      partition,
    ]);
  }

  /** Every partition's stored position with its tombstone-horizon bookkeeping (from migration 0003). */
  async readPositions(knex: Knex): Promise<Map<number, StoredPosition>> {
    const rows = (await knex
      .withSchema(this.schema)
      .table('spacelog_offsets')
      .select('partition', 'topic_offset', 'covered_at', 'reconciles')
      .where({ space: this.space })
      .catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== '42703') throw error;
        throw new MirrorSchemaMismatchError(
          `${this.table} lacks the columns of Spacelog's migration 0003: run \`spacelog migrate\``,
          this.table,
          'covered_at',
          { space: this.space },
        );
      })) as {
      partition: number;
      topic_offset: string | number;
      covered_at: Date | null;
      reconciles: number;
    }[];
    return new Map(
      rows.map((r) => [
        Number(r.partition),
        {
          offset: Number(r.topic_offset),
          coveredAt: r.covered_at === null ? null : r.covered_at.getTime(),
          reconciles: Number(r.reconciles),
        },
      ]),
    );
  }
}
