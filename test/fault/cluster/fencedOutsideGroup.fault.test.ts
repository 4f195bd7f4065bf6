import { Kafka, logLevel } from 'kafkajs';
import { transactionalIdOf } from '../../../src/log/admin/topicNames';
import { withClusterLoad } from '../../support/clusterLoad';
import { clusterForSuite } from '../../support/clusterTestKit';
import { clusterVerifyTarget, expectVerified } from '../../support/expectVerified';
import { verifyAcked } from '../../support/verifyAcked';

/**
 * Bumps the producer epoch of partition k's transactional id, as a coordinator does when it aborts a
 * transaction that outlived its timeout (a broker restart can stall one that long): the primary is
 * fenced while the group's placement still names it.
 */
async function fenceFromOutside(brokers: readonly string[], transactionalId: string): Promise<void> {
  const producer = new Kafka({
    clientId: 'outside-writer',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  }).producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    // The first transaction sends InitProducerId (the fencing); an empty one writes nothing.
    const txn = await producer.transaction();
    await txn.commit();
  } finally {
    await producer.disconnect();
  }
}

describe('a primary fenced by a writer the group did not place', () => {
  const cluster = clusterForSuite(['u1', 'u2'], { partitions: 4, backups: 1 });

  it('gets its partition placed again and served, losing nothing acknowledged', async () => {
    await cluster.waitUntilSettled([...cluster.units.keys()]);
    await withClusterLoad(cluster, 'fo', async (client, load) => {
      await new Promise((r) => setTimeout(r, 1500));
      const placement = (await cluster.placement())!;
      const victim = cluster.units.get(placement.partitions[0]!.primary!)!;

      await fenceFromOutside(cluster.kit.brokers, transactionalIdOf(cluster.kit.prefix, cluster.space, 0));
      const fencedAt = Date.now();
      // The load's next append to partition 0 finds the primary fenced.
      await victim.waitForLine((line) => /partition 0 primary: fenced/.test(line), 30_000);

      // Nothing else changed in the group: without a new placement partition 0 would stay unserved.
      const deadline = Date.now() + 60_000;
      const servedAgain = (): boolean =>
        (load.acked.acksByPartition.get(0) ?? []).some((t) => t > fencedAt + 500);
      while (!servedAgain() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect({ partition: 0, servedAgain: servedAgain() }).toEqual({ partition: 0, servedAgain: true });

      // Enough acknowledged to make the check meaningful, however busy the machine.
      await load.untilAcked(100, 30_000);
      const acked = await load.stop();
      const lost = await verifyAcked(client, acked);
      expect(lost).toEqual({ missing: [], stale: [], resurrected: [], checked: lost.checked });
      expect(lost.checked).toBeGreaterThan(50);
      // spacelog verify at the suite's end: the re-placed partition 0 and the rest equal the fold of their logs.
      await expectVerified({ ...clusterVerifyTarget(cluster), grid: client });
    });
  }, 180_000);
});
