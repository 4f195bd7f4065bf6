import { Kafka, logLevel } from 'kafkajs';
import { partitionOf } from '../../src/api/partitionOf';
import { uniqueName } from './uniqueName';

/** Topic settings that make Kafka's cleaner compact within seconds and drop tombstones after one. */
export const FAST_COMPACTION = {
  segmentMs: 1000,
  minCleanableDirtyRatio: 0.001,
  minCompactionLagMs: 0,
  deleteRetentionMs: 1000,
};

/** One record of a raw topic: its key and whether it is a tombstone. */
export interface RawKey {
  readonly key: string;
  readonly tombstone: boolean;
}

/** What a single-partition topic holds now, record by record (read uncommitted, from the start). */
export async function rawRecords(brokers: string[], topic: string): Promise<RawKey[]> {
  const kafka = new Kafka({ clientId: 'compaction-probe', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const high = Number(offsets?.high ?? 0);
  const records: RawKey[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('probe', ''), readUncommitted: true });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let last = -1;
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        records.push({ key: String(m.key), tombstone: m.value === null });
        last = Number(m.offset);
      }
      last = Math.max(last, Number(batch.lastOffset()));
      return Promise.resolve();
    },
  });
  const deadline = Date.now() + 15_000;
  while (last < high - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return records;
}

/**
 * Keeps appending (`fill`, one record per partition: segments roll only when a record arrives after
 * segment.ms) until `done` says the raw topics look compacted, or throws after `timeoutMs`.
 */
export async function waitForCompaction(options: {
  readonly brokers: string[];
  readonly topics: readonly string[];
  readonly fill: () => Promise<void>;
  readonly done: (records: readonly RawKey[]) => string | undefined;
  readonly timeoutMs?: number;
}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 150_000);
  for (;;) {
    await options.fill();
    const records = (await Promise.all(options.topics.map((t) => rawRecords(options.brokers, t)))).flat();
    const missing = options.done(records);
    if (missing === undefined) return;
    if (Date.now() > deadline) throw new Error(`Kafka did not compact in time: ${missing}`);
    await new Promise((r) => setTimeout(r, 1500));
  }
}

/** An example Customer, `round` telling its versions apart. */
export function exampleCustomer(i: number, round: number): Record<string, unknown> {
  return {
    id: `c${i}`,
    name: `Customer ${i} r${round}`,
    email: `c${i}@example.com`,
    city: ['Oslo', 'Lyon', 'Porto'][i % 3],
    tier: 'BRONZE',
    createdAt: 1_700_000_000_000 + i,
  };
}

/** A customer number (from 10,000 up) routed to partition k: each partition needs appends to roll its segments. */
export function fillerOf(k: number, partitions: number): number {
  for (let i = 10_000; ; i++) if (partitionOf(`c${i}`, partitions) === k) return i;
}
