import { Kafka, logLevel, type Admin } from 'kafkajs';
import { parsePartitionTopic } from '../../../src/log/topicNames';
import { withClusterLoad } from '../../support/clusterLoad';
import { TestCluster } from '../../support/clusterTestKit';
import { PrivateKafkaCluster } from '../../support/privateKafkaCluster';
import { verifyAcked } from '../../support/verifyAcked';

// Three broker JVMs and three units share two cores: setup takes about 30 s, the restart and load as long.
jest.setTimeout(200_000);

const UNITS = ['u1', 'u2', 'u3'];
const PARTITIONS = 6;
/** Load keeps running this long after every replica is back in sync. */
const AFTER_SYNC_MS = 5000;
/** Acknowledged entries the check reads back, at least. */
const CHECKED_AT_LEAST = 100;

/** The broker that leads the most partition logs of the space. */
async function busiestLeader(admin: Admin, cluster: TestCluster): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata();
  const counts = new Map<number, number>();
  for (const topic of topics) {
    if (parsePartitionTopic(cluster.kit.prefix, cluster.space, topic.name) === undefined) continue;
    for (const p of topic.partitions) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
  }
  const [leader] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return leader;
}

/** Waits until every partition of every topic (internal ones too) has all its replicas in sync. */
async function waitUntilFullyInSync(admin: Admin, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const metadata = await admin.fetchTopicMetadata().catch(() => undefined);
    const lagging = metadata?.topics.flatMap((t) =>
      t.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => `${t.name}-${p.partitionId}`),
    );
    if (lagging !== undefined && lagging.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`replicas not in sync after ${timeoutMs} ms: ${lagging?.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('broker restart: SIGTERM and restart one of three Kafka brokers (RF 3, min ISR 2) under sync load', () => {
  let kafka: PrivateKafkaCluster | undefined;
  let cluster: TestCluster | undefined;
  let admin: Admin | undefined;

  beforeAll(async () => {
    kafka = await PrivateKafkaCluster.start(3);
    admin = new Kafka({
      clientId: 'broker-restart-test',
      brokers: kafka.brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    cluster = await TestCluster.started(UNITS, {
      brokers: kafka.brokers,
      kafka: { replicationFactor: 3, minInsyncReplicas: 2 },
      partitions: PARTITIONS,
      backups: 1,
    });
  });

  afterAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    await cluster?.close();
    await kafka?.destroy();
  });

  it('loses nothing acknowledged, and every partition takes writes again once the broker is back', async () => {
    await withClusterLoad(cluster!, 'br', async (client, load) => {
      await new Promise((r) => setTimeout(r, 3000));
      const victim = await busiestLeader(admin!, cluster!);
      const restartAt = Date.now();
      await kafka!.restartBroker(victim);
      const backAt = Date.now();
      await waitUntilFullyInSync(admin!);
      const inSyncAt = Date.now();
      await new Promise((r) => setTimeout(r, AFTER_SYNC_MS));
      // Three brokers and three units on two cores can be slow: enough acknowledgements to check first.
      await load.untilAcked(CHECKED_AT_LEAST + 50, 30_000);
      const acked = await load.stop();

      const lost = await verifyAcked(client, acked);
      expect(lost).toEqual({ missing: [], stale: [], resurrected: [], checked: lost.checked });
      expect(lost.checked).toBeGreaterThan(CHECKED_AT_LEAST);
      // Min ISR 2 of RF 3: the partitions stay writable while one broker is down.
      const acks = [...acked.acksByPartition.values()].flat();
      expect(acks.filter((t) => t > restartAt && t < backAt).length).toBeGreaterThan(0);
      // The broker's return is not the end of the story: each partition log is written to afterwards.
      for (let k = 0; k < PARTITIONS; k++) {
        const after = (acked.acksByPartition.get(k) ?? []).filter((t) => t > inSyncAt);
        expect({ partition: k, acksAfterSync: after.length > 0 }).toEqual({
          partition: k,
          acksAfterSync: true,
        });
      }
    });
  });
});
