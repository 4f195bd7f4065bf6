import type { Knex } from 'knex';
import { qualified } from './naming';

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

  /** Inside the batch transaction: the new applied position. */
  async set(trx: Knex.Transaction, partition: number, next: number): Promise<void> {
    await trx.raw(
      `UPDATE ${this.table} SET topic_offset = ?, updated_at = now() WHERE space = ? AND partition = ?`,
      [next, this.space, partition],
    );
  }
}
