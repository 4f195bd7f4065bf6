import { foldLog } from '../../integration/grid/foldLog';
import { clusterForSuite, type TestCluster } from '../../support/clusterTestKit';
import { TakeRace, withClusterLoad } from '../../support/clusterLoad';
import { verifyAcked, waitForFailover } from '../../support/verifyAcked';
import { clusterVerifyTarget, expectVerified } from '../../support/expectVerified';

const SESSION_MS = 6000;
/**
 * Liveness, not speed: the victim's partitions must be served again, and this bound only catches a
 * failover that hangs. How fast it is (6.4 s median for this session timeout, idle) is measured by
 * `npm run bench -- cluster failover`; here three units, a broker and the load share two busy cores
 * (11.4 s seen under CI load).
 */
const SERVED_AGAIN_WITHIN_MS = SESSION_MS + 20_000;
const CYCLES = 10;
/** Each cycle takes 10–20 s (session timeout, restart, warm-up); a busy CI machine needs the margin. */
const CYCLES_TIMEOUT_MS = 360_000;

/** The unit that is primary of the most partitions, and those partitions. */
async function busiest(cluster: TestCluster): Promise<{ unit: string; partitions: number[] }> {
  const placement = (await cluster.placement())!;
  const counts = new Map<string, number[]>();
  placement.partitions.forEach((p, k) => counts.set(p.primary!, [...(counts.get(p.primary!) ?? []), k]));
  const [unit, partitions] = [...counts].sort((a, b) => b[1].length - a[1].length)[0]!;
  return { unit, partitions };
}

describe('cluster failover: SIGKILL the busiest processing unit under sync load', () => {
  const cluster = clusterForSuite(['u1', 'u2', 'u3'], {
    partitions: 6,
    backups: 1,
    sessionTimeoutMs: SESSION_MS,
  });

  it('loses nothing acknowledged and serves the partitions again (within the session timeout + 20 s)', async () => {
    await withClusterLoad(
      cluster,
      'f',
      async (client, load) => {
        // Enough acknowledged before the kill to make the check meaningful, however busy the machine.
        while (load.acked.writes < 200) await new Promise((r) => setTimeout(r, 100));
        const victim = await busiest(cluster);
        const killedAt = Date.now();
        await cluster.units.get(victim.unit)!.kill();
        cluster.units.delete(victim.unit);
        const rest = [...cluster.units.keys()];
        await cluster.waitUntilServed(rest);
        const failover = await waitForFailover(
          load.acked,
          victim.partitions,
          killedAt,
          SERVED_AGAIN_WITHIN_MS,
        );
        const acked = await load.stop();
        expect(failover).toBeLessThanOrEqual(SERVED_AGAIN_WITHIN_MS);
        const lost = await verifyAcked(client, acked);
        expect(lost).toEqual({ missing: [], stale: [], resurrected: [], checked: lost.checked });
        expect(lost.checked).toBeGreaterThan(100);
        // docs/design.md law 1 after a promotion: what the cluster serves is exactly the fold of the raw topics,
        // computed independently of the units (a backup's handed-over state plus its catch-up).
        const folded = await foldLog({
          brokers: cluster.kit.brokers,
          prefix: cluster.kit.prefix,
          space: cluster.space,
          partitions: cluster.partitions,
          types: client.types,
        });
        const fromLog = Object.fromEntries(
          Object.entries(folded).map(([key, { entry }]) => [key, entry as Record<string, unknown>]),
        );
        const served = await client.readMultiple('Order');
        expect(Object.fromEntries(served.map((e) => [`Order/${String(e.id)}`, { ...e }]))).toEqual(fromLog);
      },
      { requestTimeout: 30_000 },
    );
  });

  it(
    `survives ${CYCLES} kill / restart cycles under load with no acknowledged loss and no double take`,
    async () => {
      const names = ['u1', 'u2', 'u3'];
      for (const name of names) if (!cluster.units.has(name)) await cluster.startUnit(name);
      await cluster.waitUntilServed(names);
      await withClusterLoad(cluster, 'c', async (client, load) => {
        const takers = [await cluster.connect(60_000), await cluster.connect(60_000)];
        const race = new TakeRace(client, takers, 'r');
        const failovers: number[] = [];
        try {
          for (let cycle = 0; cycle < CYCLES; cycle++) {
            const victim = await busiest(cluster);
            const killedAt = Date.now();
            await cluster.units.get(victim.unit)!.kill();
            cluster.units.delete(victim.unit);
            await cluster.waitUntilServed(names.filter((n) => n !== victim.unit));
            failovers.push(
              await waitForFailover(load.acked, victim.partitions, killedAt, SERVED_AGAIN_WITHIN_MS),
            );
            await cluster.startUnit(victim.unit);
            await cluster.waitUntilServed(names);
          }
          const acked = await load.stop();
          await race.stop();
          const lost = await verifyAcked(client, acked);
          expect(lost).toEqual({ missing: [], stale: [], resurrected: [], checked: lost.checked });
          // A taken entry never comes back (checked above as `resurrected`), and no job competed for by
          // two takers across the failovers was handed out twice.
          expect(acked.taken.size).toBeGreaterThan(0);
          expect(race.takenBy.size).toBeGreaterThan(0);
          expect(race.duplicates()).toEqual([]);
          for (const time of failovers) expect(time).toBeLessThanOrEqual(SERVED_AGAIN_WITHIN_MS);
          // spacelog verify at the suite's end: every partition served equals the fold of its log.
          await expectVerified({ ...clusterVerifyTarget(cluster), grid: client });
        } finally {
          await race.stop();
          await Promise.all(takers.map((c) => c.close()));
        }
      });
    },
    CYCLES_TIMEOUT_MS,
  );
});
