import type { RemoteSpace } from '../../../src/client/RemoteSpace';
import type { UnitStatus } from '../../../src/ops/status/UnitStatus';
import { FRAME_KIND } from '../../../src/net/protocol';
import { fromWireJson } from '../../../src/net/wireJson';
import type { SpaceDescription } from '../../../src/net/SpaceDescription';
import { exampleOrder, spawnChild, type ChildHandle } from '../../support';
import { clusterForSuite } from '../../support/clusterTestKit';
import { clusterVerifyTarget, expectVerified } from '../../support/expectVerified';
import { ClusterLoad, customerOf } from '../../support/clusterLoad';
import { openSockets, RssSampler } from '../../support/processStats';
import { RawWireClient, waitUntil } from '../../support/rawWireClient';
import { seededRandom } from '../../support/seededRandom';
import { verifyAcked } from '../../support/verifyAcked';
import {
  bigInts,
  churn,
  drips,
  hostileQueries,
  openedClients,
  randomFrames,
  reusedIds,
  silentSubscriber,
  type AttackReport,
} from './hostileAttacks';

/**
 * The pinger's p99 bound, as the issue asks. On the project's shared 2-core machine (Kafka, the unit, the
 * attackers and the pinger on two cores) runs measured 27-104 ms (the figures are printed);
 * SPACELOG_HOSTILE_P99_MS overrides it for a slower machine.
 */
const P99_BOUND_MS = Number(process.env.SPACELOG_HOSTILE_P99_MS ?? 200);
/** RSS the unit may gain while attacked. */
const RSS_GROWTH_BOUND = 256 * 1024 * 1024;
/** Writes that flow past the silent subscriber (SPACELOG_HOSTILE_FLOOD overrides). */
const FLOOD_WRITES = Number(process.env.SPACELOG_HOSTILE_FLOOD ?? 100_000);
const FLOOD_LANES = 64;
/**
 * Flood entries carry a note this long, so the events the silent subscriber does not read outgrow what
 * the kernel's socket buffers hold on loopback (tcp_rmem allows 32 MiB here) plus the server's bound.
 */
const FLOOD_NOTE_CHARS = 600;
/**
 * Writes of the same flood before the RSS baseline is taken: a unit's heap grows to what its write rate
 * needs (about 100 MB here for the flood alone), and that growth is the load's, not the attackers'.
 */
const WARMUP_FLOOD_WRITES = 30_000;
/** Writers of the steady load, each writing, re-writing and taking its own Orders in turn. */
const STEADY_WRITERS = 2;
const IDS_PER_LANE = 8;
const PING_INTERVAL_MS = 100;
/** The test cluster's group session timeout (TestCluster's default). */
const SESSION_TIMEOUT_MS = 6000;
/** The server's default partial-frame timeout is 30 s: a drip must be closed before this. */
const DRIP_GIVE_UP_MS = 45_000;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function unitStatusAt(endpoint: string): Promise<UnitStatus> {
  const client = await RawWireClient.open(endpoint);
  try {
    client.send({ id: 1, op: 'DESCRIBE', type: '' });
    await client.answer(1);
    const response = client.frames[0]!;
    if (response.kind !== FRAME_KIND.response) throw new Error('DESCRIBE answered with no response');
    return (fromWireJson(response.body.result) as SpaceDescription).unit as unknown as UnitStatus;
  } finally {
    client.destroy();
  }
}

/**
 * Upserts `total` writes over FLOOD_LANES x IDS_PER_LANE ids (each lane owns its ids and writes them in
 * turn, so the last acknowledged total of each id is known): the store does not grow, events flow.
 */
async function flood(
  client: RemoteSpace,
  total: number,
  acked: Map<string, number>,
  failures: string[],
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: FLOOD_LANES }, async (_, lane) => {
      for (let i = 0; ; i++) {
        const n = next++;
        if (n >= total) return;
        const id = `flood-${lane}-${i % IDS_PER_LANE}`;
        try {
          await client.write('Order', {
            ...exampleOrder(n, 0),
            id,
            customerId: customerOf(id),
            total: n,
            note: 'f'.repeat(FLOOD_NOTE_CHARS),
          });
          acked.set(id, n);
        } catch (error) {
          failures.push(`${id}: ${(error as Error).name}: ${(error as Error).message}`);
          acked.delete(id);
        }
      }
    }),
  );
}

/**
 * docs/design.md law 7 end to end: one processing unit (its own process, so RSS and group membership are its own)
 * under a steady write load, a well-behaved client reading by id every 100 ms (its own process, so the
 * attackers' work does not skew its clock), and at once: random frames, 1-byte drips of a 16 MiB frame,
 * reused ids with infinite timeouts, a subscriber that never reads while 100k writes flow, a 16 MB
 * `$bigint`, the LIKE ReDoS pattern, 5,000-deep parentheses, 1,000 connections opened and dropped.
 */
describe('hostile clients against a processing unit (issue 16, docs/design.md law 7)', () => {
  const cluster = clusterForSuite(['h1'], {
    partitions: 2,
    backups: 0,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
  });

  it('keeps serving a well-behaved client, bounds memory, stays in its group and loses nothing acknowledged', async () => {
    const testStarted = Date.now();
    const random = seededRandom('hostileClient');
    const unit = cluster.units.get('h1')!;
    const endpoint = unit.endpoint;
    const placementBefore = (await cluster.placement())!;
    const statusBefore = await unitStatusAt(endpoint);
    const attacker = await cluster.connect(60_000);
    const figures: Record<string, unknown> = {};
    const rss = new RssSampler(unit.pid);
    let pinger: ChildHandle | undefined;
    try {
      // Entries the ReDoS pattern runs against, and the entry the well-behaved client reads.
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          attacker.write('Order', {
            ...exampleOrder(i, 0),
            id: `redos-${i}`,
            customerId: `c-redos-${i}`,
            note: 'a'.repeat(90),
          }),
        ),
      );
      await attacker.write('Order', { ...exampleOrder(0, 0), id: 'ping-me', customerId: 'c-ping' });
      pinger = spawnChild('test/fault/children/pinger.ts', [
        endpoint,
        cluster.space,
        'ping-me',
        'c-ping',
        String(PING_INTERVAL_MS),
      ]);
      const ping = pinger;
      const client = await cluster.connect(60_000);
      const load = new ClusterLoad(client, STEADY_WRITERS, 'steady');
      try {
        await ping.nextMessage((m) => m.ready === true);
        await load.untilAcked(200, 30_000);
        const flooded = new Map<string, number>();
        const floodFailures: string[] = [];
        const floodClient = await cluster.connect(60_000);
        await flood(floodClient, WARMUP_FLOOD_WRITES, flooded, floodFailures);
        const rssBefore = rss.sample()!;
        rss.max = rssBefore;
        const socketsBefore = openSockets(unit.pid)!;
        const linesBefore = unit.lines.length;
        const attacksStarted = Date.now();
        let reports: AttackReport[];
        try {
          const attacks: (() => Promise<AttackReport>)[] = [
            () => randomFrames(endpoint, random, 400),
            () => drips(endpoint, 6, 20, DRIP_GIVE_UP_MS),
            () => reusedIds(endpoint, 1000),
            () => bigInts(endpoint, 1, 16_000_000),
            () => hostileQueries(endpoint, attacker, 20, 5000),
            () => churn(endpoint, 1000),
            () =>
              silentSubscriber(endpoint, async () => {
                const started = Date.now();
                await flood(floodClient, FLOOD_WRITES, flooded, floodFailures);
                figures.floodMs = Date.now() - started;
              }),
          ];
          reports = await Promise.all(attacks.map((attack) => attack()));
        } finally {
          await floodClient.close();
        }
        figures.attacksMs = Date.now() - attacksStarted;
        ping.send({ stop: true });
        const pings = await ping.nextMessage((m) => Array.isArray(m.latencies));
        const acked = await load.stop();
        rss.stop();

        // Every connection of the attackers is gone, and so are the server's ends of them.
        for (const c of openedClients) c.destroy();
        await waitUntil(
          () => (openSockets(unit.pid) ?? 0) <= socketsBefore + 10,
          15_000,
          'sockets released',
        ).catch(() => undefined);
        const statusAfter = await unitStatusAt(endpoint);
        const placementAfter = (await cluster.placement())!;

        const latencies = pings.latencies as number[];
        figures.pings = latencies.length;
        figures.pingP50Ms = Math.round(percentile(latencies, 50));
        figures.pingP99Ms = Math.round(percentile(latencies, 99));
        figures.pingMaxMs = Math.round(Math.max(...latencies));
        figures.rssBeforeMB = Math.round(rssBefore / 2 ** 20);
        figures.rssMaxMB = Math.round(rss.max / 2 ** 20);
        figures.rssGrowthMB = Math.round((rss.max - rssBefore) / 2 ** 20);
        figures.socketsBefore = socketsBefore;
        figures.socketsAfter = openSockets(unit.pid);
        figures.steadyWrites = acked.writes;
        figures.floodWrites = FLOOD_WRITES;
        figures.eventLoopLagAfter = statusAfter.eventLoopLag;
        figures.attacks = reports.map((r) => ({
          name: r.name,
          inputs: r.inputs,
          typed: r.typed,
          closed: r.closed,
          ...r.notes,
        }));
        process.stdout.write(`[hostileClient] ${JSON.stringify(figures, null, 1)}\n`);

        // Every bad input got a typed error or a close.
        expect(reports.flatMap((r) => r.bad.slice(0, 5).map((b) => `${r.name}: ${b}`))).toEqual([]);
        for (const r of reports) expect(r.typed + r.closed).toBe(r.inputs);
        // The well-behaved client was served throughout, quickly.
        expect(pings.errors).toEqual([]);
        expect(latencies.length).toBeGreaterThan((figures.attacksMs as number) / PING_INTERVAL_MS / 2);
        expect(figures.pingP99Ms).toBeLessThan(P99_BOUND_MS);
        // Memory stayed bounded.
        expect(rss.max - rssBefore).toBeLessThan(RSS_GROWTH_BOUND);
        // The unit never left its group: no replica changed role, the placement did not move.
        expect(unit.lines.slice(linesBefore).filter((l) => l.startsWith('partition '))).toEqual([]);
        expect(placementAfter.epoch).toBe(placementBefore.epoch);
        expect(statusAfter.epoch).toBe(statusBefore.epoch);
        expect(statusAfter.replicas.every((r) => r.kind === 'primary' && r.ready)).toBe(true);
        // Its event loop never came near the session timeout (the lag figure DESCRIBE reports).
        expect(statusAfter.eventLoopLag.maxMs).toBeLessThan(SESSION_TIMEOUT_MS / 2);
        // Nothing acknowledged was lost: the steady load, and the flood that passed the silent subscriber.
        const lost = await verifyAcked(client, acked);
        expect(lost).toEqual({ missing: [], stale: [], resurrected: [], checked: lost.checked });
        expect(acked.failures).toEqual([]);
        expect(floodFailures).toEqual([]);
        const floodedNow = await client.readMultiple('Order', { query: "id LIKE 'flood-%'" });
        expect(Object.fromEntries(floodedNow.map((e) => [e.id, e.total]))).toEqual(
          Object.fromEntries(flooded),
        );
        expect(await client.count('Order', { query: "note LIKE 'aaa%'" })).toBe(60);
        // spacelog verify at the suite's end: what the attacked unit serves equals the fold of its log.
        await expectVerified({ ...clusterVerifyTarget(cluster), grid: client });
      } finally {
        await load.stop();
        await client.close();
      }
      figures.totalMs = Date.now() - testStarted;
      process.stdout.write(`[hostileClient] whole test ${String(figures.totalMs)} ms\n`);
    } finally {
      rss.stop();
      for (const c of openedClients) c.destroy();
      await pinger?.kill();
      await attacker.close();
    }
  }, 240_000);
});
