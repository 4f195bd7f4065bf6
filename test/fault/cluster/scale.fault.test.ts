import { withClusterLoad } from '../../support/clusterLoad';
import { clusterForSuite, type TestCluster } from '../../support/clusterTestKit';
import { clusterVerifyTarget, expectVerified } from '../../support/expectVerified';
import { verifyAcked } from '../../support/verifyAcked';

/** Starting a unit, warming it, two rebalances and a graceful stop: slow on a busy 2-core CI machine. */
const SCALE_TIMEOUT_MS = 300_000;

/** Waits until the placement gives `unit` at least one primary and every partition is served. */
async function waitForPrimaryOn(cluster: TestCluster, unit: string, units: readonly string[]): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const placement = await cluster.waitUntilServed(units);
    if (placement.partitions.some((p) => p.primary === unit)) return;
    if (Date.now() > deadline) throw new Error(`${unit} never became a primary`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('elasticity: scale out and in under load', () => {
  const cluster = clusterForSuite(['u1', 'u2', 'u3'], {
    partitions: 6,
    backups: 1,
    sessionTimeoutMs: 6000,
  });

  it(
    'a fourth unit takes partitions over, then a graceful stop hands them back, with no failed operation',
    async () => {
      await withClusterLoad(cluster, 's', async (client, load) => {
        await new Promise((r) => setTimeout(r, 1500));
        await cluster.startUnit('u4');
        await waitForPrimaryOn(cluster, 'u4', ['u1', 'u2', 'u3', 'u4']);
        const placement = (await cluster.placement())!;
        const perUnit = new Map<string, number>();
        for (const p of placement.partitions) perUnit.set(p.primary!, (perUnit.get(p.primary!) ?? 0) + 1);
        // Balanced: 6 partitions over 4 units is 1 or 2 each.
        for (const count of perUnit.values()) expect(count).toBeLessThanOrEqual(2);

        await cluster.units.get('u1')!.stop();
        cluster.units.delete('u1');
        await cluster.waitUntilServed(['u2', 'u3', 'u4']);
        await new Promise((r) => setTimeout(r, 1500));
        const acked = await load.stop();
        expect(acked.failures).toEqual([]);
        expect(acked.writes).toBeGreaterThan(100);
        const lost = await verifyAcked(client, acked);
        expect(lost).toEqual({ missing: [], stale: [], resurrected: [], checked: lost.checked });
        // spacelog verify at the suite's end: after two rebalances, every partition equals the fold of its log.
        await expectVerified({ ...clusterVerifyTarget(cluster), grid: client });
      });
    },
    SCALE_TIMEOUT_MS,
  );
});
