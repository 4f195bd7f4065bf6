import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { partitionTopic } from '../../../src/log/admin/topicNames';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { EXAMPLE_SCHEMAS, deleteTestTopics, testKafkaBrokers, uniqueName } from '../../support';
import { exampleCustomer, FAST_COMPACTION, fillerOf, waitForCompaction } from '../../support/compactionKit';
import { PrivateKafkaCluster } from '../../support/privateKafkaCluster';
import { foldLog, pictureOf } from '../../integration/grid/foldLog';
import { expectVerified } from '../../support/expectVerified';

jest.setTimeout(300_000);

const CUSTOMERS = 200;
const UPDATES = 5;
const PARTITIONS = 2;
const customer = exampleCustomer;

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
      const fillers = Array.from({ length: PARTITIONS }, (_, k) => fillerOf(k, PARTITIONS));
      let round = UPDATES;
      await waitForCompaction({
        brokers,
        topics: Array.from({ length: PARTITIONS }, (_, k) => partitionTopic(prefix, space, k)),
        fill: async () => {
          round++;
          for (const i of fillers) await first.space.write('Customer', customer(i, round));
        },
        done: (records) => {
          const takenLeft = records.filter((r) => taken.has(r.key));
          const appended = CUSTOMERS * (1 + UPDATES) + taken.size + PARTITIONS * (round - UPDATES);
          if (takenLeft.length === 0 && records.length < appended / 3) return undefined;
          return (
            `${records.length} of ${appended} records left, ${takenLeft.length} records of taken entries ` +
            `(${takenLeft.filter((r) => r.tombstone).length} tombstones)`
          );
        },
      });
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
      // spacelog verify at the suite's end: the grid warmed from the compacted log against the fold of
      // that log (versions and leases too), through its snapshot tasks.
      await expectVerified(
        { space, prefix, kafka: { brokers }, grid: second.space, types: second.types },
        { minCompared: CUSTOMERS - taken.size },
      );
    } finally {
      await second.close();
    }
  });
});
