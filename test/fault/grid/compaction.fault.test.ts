import { Kafka, logLevel } from 'kafkajs';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { partitionOf } from '../../../src/cluster/partitionOf';
import { partitionTopic } from '../../../src/log/topicNames';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { EXAMPLE_SCHEMAS, deleteTestTopics, testKafkaBrokers, uniqueName } from '../../support';
import { PrivateKafkaCluster } from '../../support/privateKafkaCluster';
import { foldLog, pictureOf } from '../../integration/grid/foldLog';

jest.setTimeout(300_000);

/** Settings that make Kafka's cleaner compact within seconds and drop tombstones after one. */
const FAST_COMPACTION = {
  segmentMs: 1000,
  minCleanableDirtyRatio: 0.001,
  minCompactionLagMs: 0,
  deleteRetentionMs: 1000,
};
const CUSTOMERS = 200;
const UPDATES = 5;
const PARTITIONS = 2;

function customer(i: number, round: number): Record<string, unknown> {
  return {
    id: `c${i}`,
    name: `Customer ${i} r${round}`,
    email: `c${i}@example.com`,
    city: ['Oslo', 'Lyon', 'Porto'][i % 3],
    tier: 'BRONZE',
    createdAt: 1_700_000_000_000 + i,
  };
}

/** The number of a filler customer routed to partition k: each partition needs appends to roll. */
function fillerOf(k: number): number {
  for (let i = 10_000; ; i++) if (partitionOf(`c${i}`, PARTITIONS) === k) return i;
}

/** What the raw topic holds now, record by record: key and whether it is a tombstone. */
async function rawRecords(brokers: string[], topic: string): Promise<{ key: string; tombstone: boolean }[]> {
  const kafka = new Kafka({ clientId: 'compaction-probe', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const high = Number(offsets?.high ?? 0);
  const records: { key: string; tombstone: boolean }[] = [];
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
    },
  });
  const deadline = Date.now() + 15_000;
  while (last < high - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return records;
}

describe.each([
  { brokers: 1, label: 'one broker (the shared stack)' },
  { brokers: 3, label: 'three brokers (RF 3, min.insync.replicas 2)' },
])('a restart after Kafka really compacted the log: $label', ({ brokers: brokerCount }) => {
  let cluster: PrivateKafkaCluster | undefined;
  let brokers: string[] = [];
  const prefix = uniqueName('t', '');
  const space = 'customers';
  const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);

  beforeAll(async () => {
    if (brokerCount === 1) {
      brokers = testKafkaBrokers();
    } else {
      cluster = await PrivateKafkaCluster.start(3);
      brokers = cluster.brokers;
    }
  });

  afterAll(async () => {
    if (cluster) await cluster.destroy();
    else await deleteTestTopics(brokers, prefix);
  });

  it('warms up to the fold of every mutation ever appended, from a log without the old versions and tombstones', async () => {
    const kafka =
      brokerCount === 1
        ? { brokers, topics: FAST_COMPACTION }
        : { brokers, topics: FAST_COMPACTION, replicationFactor: 3, minInsyncReplicas: 2 };
    const start = (): Promise<LocalGrid> =>
      LocalGrid.start({ space, partitions: PARTITIONS, schemas: EXAMPLE_SCHEMAS, prefix, kafka });
    const first = await start();
    const taken = new Set<string>();
    let expected;
    try {
      for (let i = 0; i < CUSTOMERS; i++) await first.space.write('Customer', customer(i, 0));
      for (let round = 1; round <= UPDATES; round++) {
        await Promise.all(
          Array.from({ length: CUSTOMERS }, (_, i) => first.space.write('Customer', customer(i, round))),
        );
      }
      for (let i = 0; i < CUSTOMERS; i += 4) {
        const got = await first.space.take('Customer', { id: `c${i}` });
        expect(got).not.toBeNull();
        taken.add(`Customer/c${i}`);
      }
      // Segments roll only when a record arrives after segment.ms: keep a live writer (as a real grid
      // has) until the cleaner has removed the old versions and then the tombstones of every partition.
      const fillers = Array.from({ length: PARTITIONS }, (_, k) => fillerOf(k));
      const deadline = Date.now() + 150_000;
      let round = UPDATES;
      for (;;) {
        round++;
        for (const i of fillers) await first.space.write('Customer', customer(i, round));
        const logs = await Promise.all(
          Array.from({ length: PARTITIONS }, (_, k) => rawRecords(brokers, partitionTopic(prefix, space, k))),
        );
        const keys = logs.flat();
        const tombstonesLeft = keys.filter((r) => r.tombstone && taken.has(r.key)).length;
        const takenKeysLeft = keys.filter((r) => taken.has(r.key)).length;
        const appended = CUSTOMERS * (1 + UPDATES) + taken.size + PARTITIONS * (round - UPDATES);
        if (takenKeysLeft === 0 && tombstonesLeft === 0 && keys.length < appended / 3) break;
        if (Date.now() > deadline) {
          throw new Error(
            `Kafka did not compact in time: ${keys.length} of ${appended} records left, ` +
              `${takenKeysLeft} records of taken entries (${tombstonesLeft} tombstones)`,
          );
        }
        await new Promise((r) => setTimeout(r, 1500));
      }
      expected = pictureOf(first.entries());
    } finally {
      await first.close();
    }
    expect(Object.keys(expected)).toHaveLength(CUSTOMERS - taken.size + PARTITIONS);
    expect(expected['Customer/c9']?.version).toBe(1 + UPDATES);
    for (const key of taken) expect(expected[key]).toBeUndefined();

    // The public fold of the raw, compacted log and a new grid's warm-up both give that state back.
    expect(await foldLog({ brokers, prefix, space, partitions: PARTITIONS, types })).toEqual(expected);
    const second = await start();
    try {
      expect(second.status().map((p) => p.role)).toEqual(Array(PARTITIONS).fill('primary'));
      expect(pictureOf(second.entries())).toEqual(expected);
      // And it serves: the strict live path goes on from the restored versions.
      await second.space.write('Customer', customer(9, 99));
      expect((await second.space.read('Customer', { id: 'c9' }))?.name).toBe('Customer 9 r99');
    } finally {
      await second.close();
    }
  });
});
