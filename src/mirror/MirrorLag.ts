import type { Admin } from 'kafkajs';

/** How far the mirror is behind one partition log. */
export interface PartitionLag {
  readonly partition: number;
  /** Next offset to apply: everything before it is in PostgreSQL. */
  readonly appliedOffset: number;
  /** End of the committed log (last stable offset). */
  readonly endOffset: number;
  /** Records not applied yet: `endOffset - appliedOffset` (transaction markers count as records). */
  readonly records: number;
  /**
   * Seconds since the oldest unapplied mutation was written; 0 when caught up, null when it is not
   * known (records are waiting that the mirror has not fetched yet).
   */
  readonly seconds: number | null;
  /** Records of this partition the mirror could not apply, in `spacelog_dead_letters` (`onPoison`). */
  readonly deadLetters: number;
  /** Times this partition was rebuilt from its whole log after resuming past the tombstone horizon. */
  readonly reconciles: number;
}

/** The committed end (last stable offset) of each partition topic. */
export async function fetchEndOffsets(admin: Admin, topics: readonly string[]): Promise<number[]> {
  return Promise.all(
    topics.map(async (topic) => {
      const partitions = await admin.fetchTopicOffsets(topic);
      return Number(partitions.find((p) => p.partition === 0)?.high ?? 0);
    }),
  );
}

/**
 * Lag of every partition from applied positions, log ends and the oldest unapplied timestamps known,
 * with the dead-letter and reconcile counts per partition.
 */
export function lagOf(
  applied: ReadonlyMap<number, number>,
  ends: readonly number[],
  oldestUnapplied: ReadonlyMap<number, number>,
  extra: {
    readonly now?: number;
    readonly deadLetters?: ReadonlyMap<number, number>;
    readonly reconciles?: ReadonlyMap<number, number>;
  } = {},
): PartitionLag[] {
  const now = extra.now ?? Date.now();
  return ends.map((endOffset, partition) => {
    const appliedOffset = applied.get(partition) ?? 0;
    const records = Math.max(0, endOffset - appliedOffset);
    const oldest = oldestUnapplied.get(partition);
    const seconds = records === 0 ? 0 : oldest === undefined ? null : Math.max(0, (now - oldest) / 1000);
    const deadLetters = extra.deadLetters?.get(partition) ?? 0;
    const reconciles = extra.reconciles?.get(partition) ?? 0;
    return { partition, appliedOffset, endOffset, records, seconds, deadLetters, reconciles };
  });
}
