/**
 * Cluster benchmark: processing units as real processes (`spacelog pu start`) on the same broker.
 * - `writes-N-units`: remote sync writes/s from one client process with 256 writers in flight,
 *   with 1, 2 and 3 units (6 partitions, 1 backup each); the baseline is the 1-unit figure of the run.
 * - `failover`: 3 units under a 16-writer load; the busiest unit is SIGKILLed 10 times (restarted
 *   after each); time from the kill to the first acknowledged write on every partition it led.
 *   Baseline: the group session timeout, which bounds how soon Kafka can declare the unit dead.
 * Usage: node dist/bench/cluster.js [seconds per write case = 10] [kills = 10]
 * Env: SPACELOG_KAFKA_BROKERS.
 */
import { TestCluster } from '../test/support/clusterTestKit';
import { ClusterLoad } from '../test/support/clusterLoad';
import { waitForFailover } from '../test/support/verifyAcked';
import { exampleOrder } from '../test/support/gridTestKit';
import { BROKERS } from './kafkaBench';
import { emit, percentile, progress } from './report';

const MEASURE_MS = (Number(process.argv[2] ?? 10) || 10) * 1000;
const KILLS = Number(process.argv[3] ?? 10) || 10;
const WRITERS = 256;
const SESSION_MS = 6000;
const SHAPE = { partitions: 6, backups: 1, sessionTimeoutMs: SESSION_MS, brokers: BROKERS };

async function writeCase(units: number, baseline: number | undefined): Promise<number> {
  const names = Array.from({ length: units }, (_, i) => `u${i + 1}`);
  const cluster = await TestCluster.started(names, SHAPE);
  try {
    await cluster.waitUntilSettled(names);
    progress(`${units} unit(s) serving; writing for ${MEASURE_MS / 1000} s`);
    const client = await cluster.connect();
    const latencies: number[] = [];
    let done = 0;
    let failed = 0;
    const run = async (ms: number, record: boolean): Promise<void> => {
      const end = performance.now() + ms;
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; performance.now() < end; i++) {
            const t = performance.now();
            try {
              await client.write('Order', {
                ...exampleOrder(i, w),
                id: `b-${w}-${i}`,
                customerId: `c-${w}-${i}`,
              });
            } catch {
              failed++;
              continue;
            }
            if (record) {
              latencies.push(performance.now() - t);
              done++;
            }
          }
        }),
      );
    };
    await run(2000, false);
    const started = performance.now();
    await run(MEASURE_MS, true);
    const value = Math.round(done / ((performance.now() - started) / 1000));
    await client.close();
    emit({
      bench: 'cluster',
      case: `writes-${units}-unit${units > 1 ? 's' : ''}`,
      value,
      unit: 'writes/s',
      baseline: { name: '1 unit, same run', value: baseline ?? value },
      p50_ms: percentile(latencies, 50),
      p99_ms: percentile(latencies, 99),
      writers: WRITERS,
      failed,
    });
    return value;
  } finally {
    await cluster.close();
  }
}

async function failoverCase(): Promise<void> {
  const names = ['u1', 'u2', 'u3'];
  const cluster = await TestCluster.started(names, SHAPE);
  try {
    await cluster.waitUntilSettled(names);
    const client = await cluster.connect(60_000);
    const load = new ClusterLoad(client, 16, 'fo');
    const times: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const placement = (await cluster.placement())!;
      const led = new Map<string, number[]>();
      placement.partitions.forEach((p, k) => led.set(p.primary!, [...(led.get(p.primary!) ?? []), k]));
      const [victim, partitions] = [...led].sort((a, b) => b[1].length - a[1].length)[0]!;
      const killedAt = Date.now();
      await cluster.units.get(victim)!.kill();
      cluster.units.delete(victim);
      await cluster.waitUntilServed(names.filter((n) => n !== victim));
      const time = await waitForFailover(load.acked, partitions, killedAt);
      times.push(time);
      progress(`kill ${kill + 1}/${KILLS}: ${victim} (partitions ${partitions.join(',')}) → ${time} ms`);
      await cluster.startUnit(victim);
      await cluster.waitUntilSettled(names);
    }
    const acked = await load.stop();
    await client.close();
    emit({
      bench: 'cluster',
      case: 'failover-sigkill',
      value: percentile(times, 50),
      unit: 'ms',
      baseline: { name: 'group session timeout', value: SESSION_MS },
      p50_ms: percentile(times, 50),
      p99_ms: Math.max(...times),
      max_ms: Math.max(...times),
      kills: KILLS,
      failed_ops: acked.failures.length,
      acked_writes: acked.writes,
    });
  } finally {
    await cluster.close();
  }
}

async function main(): Promise<void> {
  const only = process.argv[4];
  if (only === undefined || only === 'writes') {
    const one = await writeCase(1, undefined);
    await writeCase(2, one);
    await writeCase(3, one);
  }
  if (only === undefined || only === 'failover') await failoverCase();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
