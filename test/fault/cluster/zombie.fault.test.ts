import { hostname } from 'node:os';
import { ClientConnection } from '../../../src/net/ClientConnection';
import { toWireJson } from '../../../src/net/wireJson';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { Mutation } from '../../../src/space/Mutation';
import { customerOf, withClusterLoad } from '../../support/clusterLoad';
import { clusterForSuite } from '../../support/clusterTestKit';
import { clusterVerifyTarget, expectVerified } from '../../support/expectVerified';
import { EXAMPLE_SCHEMAS } from '../../support/gridTestKit';
import { verifyAcked } from '../../support/verifyAcked';
import { foldLog } from '../../integration/grid/foldLog';

const SESSION_MS = 6000;
/**
 * Connect and request time of a probe: a process just woken by SIGCONT has a backlog to work through
 * before it answers. The probe checks which error comes back, not how fast.
 */
const PROBE_TIMEOUT_MS = 10_000;

/** Sends one read by id for partition k straight to `endpoint` (no client retries): its error name, or 'ok'. */
async function probe(endpoint: string, partition: number): Promise<string> {
  const connection = await ClientConnection.open({
    endpoint,
    connectTimeoutMs: PROBE_TIMEOUT_MS,
    maxFrameBytes: 1 << 20,
    onEvent: () => undefined,
    onClose: () => undefined,
  });
  try {
    await connection.request(
      {
        partition,
        op: 'READ',
        type: 'Order',
        args: toWireJson({ selector: { id: 'probe' }, options: { routing: customerOf('probe') } }),
        entry: null,
        deadline: PROBE_TIMEOUT_MS,
      },
      { timeoutMs: PROBE_TIMEOUT_MS },
    );
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  } finally {
    connection.close();
  }
}

describe('zombie: SIGSTOP a primary until it is replaced, then SIGCONT it', () => {
  const cluster = clusterForSuite(['u1', 'u2', 'u3'], {
    partitions: 6,
    backups: 1,
    sessionTimeoutMs: SESSION_MS,
  });

  it('is fenced, serves nothing, writes nothing to the log and rejoins as a backup', async () => {
    // Settled first: a victim picked from a placement still moving may not yet be the primary it is
    // named for (then it has nothing to close when it wakes).
    await cluster.waitUntilSettled([...cluster.units.keys()]);
    await withClusterLoad(cluster, 'z', async (client, load) => {
      await new Promise((r) => setTimeout(r, 1500));
      const placement = (await cluster.placement())!;
      const victimName = placement.partitions[0]!.primary!;
      const led = placement.partitions.flatMap((p, k) => (p.primary === victimName ? [k] : []));
      const victim = cluster.units.get(victimName)!;
      try {
        const stoppedAt = Date.now();
        victim.signal('SIGSTOP');
        await cluster.waitUntilServed([...cluster.units.keys()].filter((u) => u !== victimName));
        const linesBefore = victim.lines.length;
        victim.signal('SIGCONT');
        // At once after waking it answers nothing for the partitions it led (it lost its membership).
        for (const k of led) expect(await probe(victim.endpoint, k)).toBe('NotPrimaryError');
        // It rejoins and hosts backups (the placement names it as a backup of some partition).
        const deadline = Date.now() + 60_000;
        for (;;) {
          const now = await cluster.placement();
          if (now && now.partitions.some((p) => p.backups.includes(victimName))) break;
          if (Date.now() > deadline) throw new Error('the zombie never rejoined as a backup');
          await new Promise((r) => setTimeout(r, 200));
        }
        // Its old primaries end (closed when the placement moved them, or fenced), and it hosts backups.
        const wakeLines = (): string => victim.lines.slice(linesBefore).join('\n');
        const patterns = [
          ...led.map((k) => new RegExp(`partition ${k} primary: (closed|fenced)`)),
          /partition \d+ backup: (warming|backup)/,
        ];
        while (!patterns.every((p) => p.test(wakeLines())) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
        }
        for (const pattern of patterns) expect(wakeLines()).toMatch(pattern);

        const acked = await load.stop();
        expect(await verifyAcked(client, acked)).toEqual(
          expect.objectContaining({ missing: [], stale: [], resurrected: [] }),
        );
        // No record of the zombie's becomes state after the new primary's first write, counted by writer
        // identity (Kafka producer id and epoch of each record batch), not by time: a batch the zombie
        // built before its SIGSTOP and appended after its SIGCONT would carry an old timestamp.
        const origin = `${hostname()}:${victim.pid}`;
        const records = new Map<number, { offset: number; writer: string; m: Mutation }[]>();
        await foldLog({
          brokers: cluster.kit.brokers,
          prefix: cluster.kit.prefix,
          space: cluster.space,
          partitions: cluster.partitions,
          types: SchemaLoader.loadFolder(EXAMPLE_SCHEMAS),
          onMutation: (k, m, offset, writer) => {
            if (led.includes(k)) records.set(k, [...(records.get(k) ?? []), { offset, writer, m }]);
          },
        });
        const fromZombie: string[] = [];
        let checked = 0;
        for (const k of led) {
          const log = records.get(k) ?? [];
          // The zombie's writer on k: the one of its last record stamped before the stop.
          const before = log.filter((r) => r.m.origin === origin && r.m.timestamp <= stoppedAt);
          const zombieWriter = before[before.length - 1]?.writer;
          if (zombieWriter === undefined) continue;
          checked++;
          const takeover = log.find(
            (r) => r.offset > before[before.length - 1]!.offset && r.writer !== zombieWriter,
          );
          for (const r of log) {
            if (takeover !== undefined && r.offset > takeover.offset && r.writer === zombieWriter) {
              fromZombie.push(
                `partition ${k} offset ${r.offset}: ${r.m.op} ${r.m.id} by the fenced writer ${r.writer}`,
              );
            }
          }
        }
        expect(checked).toBeGreaterThan(0);
        expect(fromZombie).toEqual([]);
        // spacelog verify at the suite's end: with the zombie back as a backup, every partition served
        // equals the fold of its log.
        await expectVerified({ ...clusterVerifyTarget(cluster), grid: client });
      } finally {
        victim.signal('SIGCONT');
      }
    });
  }, 180_000);
});
