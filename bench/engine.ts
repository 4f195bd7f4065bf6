/**
 * Engine benchmark: one SpaceEngine (no sink) holding N Orders (default 1,000,000), against a plain Map
 * of the same frozen objects with the same random key pattern, in the same run.
 * Usage: node --expose-gc dist/bench/engine.js [N]
 */
import * as path from 'node:path';
import { SchemaLoader } from '../src/schema/SchemaLoader';
import { apply } from '../src/space/apply';
import { deepFreeze } from '../src/space/deepFreeze';
import { execute } from '../src/space/execute';
import type { ExecuteContext } from '../src/space/ExecuteContext';
import { queryCompiler } from '../src/space/QuerySelection';
import { SpaceEngine } from '../src/space/SpaceEngine';
import { makeOrder, ORDER_STATUSES as STATUSES, rng } from './orders';
import { emit, percentile, progress } from './report';

const N = Number(process.argv[2] ?? 1_000_000);
const OPS = Math.min(N, 1_000_000);

function heapUsed(): number {
  const gc = (global as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * A full collection before each timed case, so no case pays for the garbage of the one before (a major
 * GC landing inside a short case moved its figure by a third between otherwise equal runs).
 */
function collectGarbage(): void {
  heapUsed();
}

/** When a case started: wall clock, and this process's CPU time (all threads, GC helpers included). */
interface Started {
  readonly wall: bigint;
  readonly cpu: NodeJS.CpuUsage;
}

function start(): Started {
  return { wall: process.hrtime.bigint(), cpu: process.cpuUsage() };
}

/** Operations per second of wall-clock time since `started`. */
function rate(ops: number, started: Started): number {
  return ops / (Number(process.hrtime.bigint() - started.wall) / 1e9);
}

/**
 * Operations per second of CPU time since `started`: less sensitive to other processes on a busy
 * machine than wall time (time slices lost to them are not counted), but it charges GC threads too.
 */
function cpuRate(ops: number, started: Started): number {
  const used = process.cpuUsage(started.cpu);
  return Math.round(ops / ((used.user + used.system) / 1e6));
}

async function main(): Promise<void> {
  const types = SchemaLoader.loadFolder(path.resolve(__dirname, '../../schemas/examples'));
  const random = rng(42);
  const keyIndexes = Array.from({ length: OPS }, () => Math.floor(random() * N));
  const ids = keyIndexes.map((i) => `o-${i}`);

  progress(`baseline: Map of ${N} frozen orders`);
  const h0 = heapUsed();
  const map = new Map<string, unknown>();
  const data = rng(7);
  for (let i = 0; i < N; i++) map.set(`o-${i}`, deepFreeze(makeOrder(i, data)));
  const mapBytes = (heapUsed() - h0) / N;

  progress(`engine: ${N} orders`);
  const h2 = heapUsed();
  const engine = new SpaceEngine({ types, origin: 'bench', nextId: () => 'unused' });
  const data2 = rng(7);
  for (let i = 0; i < N; i++) await engine.write('Order', makeOrder(i, data2));
  const engineBytes = (heapUsed() - h2) / N;
  emit({
    bench: 'engine',
    case: 'heap-bytes-per-order',
    value: Math.round(engineBytes),
    unit: 'bytes',
    baseline: { name: 'Map of frozen objects', value: Math.round(mapBytes) },
  });

  // read by id
  let sink = 0;
  collectGarbage();
  let t = start();
  for (const id of ids) if (map.get(id) !== undefined) sink++;
  const mapRate = rate(OPS, t);
  emit({
    bench: 'engine',
    case: 'baseline-map-get',
    value: Math.round(mapRate),
    unit: 'ops/s',
    cpu_ops_s: cpuRate(OPS, t),
  });
  collectGarbage();
  t = start();
  for (const id of ids) if ((await engine.read('Order', { id })) !== null) sink++;
  emit({
    bench: 'engine',
    case: 'read-by-id',
    value: Math.round(rate(OPS, t)),
    unit: 'ops/s',
    cpu_ops_s: cpuRate(OPS, t),
    baseline: { name: 'Map.get', value: Math.round(mapRate) },
  });
  collectGarbage();
  t = start();
  for (const id of ids) if (engine.lookup('Order', id) !== undefined) sink++;
  emit({
    bench: 'engine',
    case: 'read-by-id-sync-lookup',
    value: Math.round(rate(OPS, t)),
    unit: 'ops/s',
    cpu_ops_s: cpuRate(OPS, t),
    baseline: { name: 'Map.get', value: Math.round(mapRate) },
  });

  // template read through the (customerId, status) equality index, one match each
  const templateOps = Math.min(OPS, 300_000);
  collectGarbage();
  t = start();
  for (let j = 0; j < templateOps; j++) {
    const i = keyIndexes[j]!;
    const found = await engine.read('Order', {
      template: { customerId: `c-${i >> 2}`, status: STATUSES[i & 3] },
    });
    if (found !== null) sink++;
  }
  emit({
    bench: 'engine',
    case: 'template-read-equality-one-match',
    value: Math.round(rate(templateOps, t)),
    unit: 'ops/s',
    cpu_ops_s: cpuRate(templateOps, t),
    baseline: { name: 'Map.get', value: Math.round(mapRate) },
  });

  // the same template reads through the synchronous core (execute on the engine's state, no Promise)
  const state = engine.state;
  const queries = queryCompiler();
  // A fresh context per operation, as the engine builds one (clock reading included).
  const context = (): ExecuteContext => ({ now: Date.now(), origin: 'bench', queries });
  collectGarbage();
  t = start();
  for (let j = 0; j < templateOps; j++) {
    const i = keyIndexes[j]!;
    const selector = { template: { customerId: `c-${i >> 2}`, status: STATUSES[i & 3] } };
    if (execute(state, { kind: 'read', type: 'Order', selector }, context()).result !== null) sink++;
  }
  emit({
    bench: 'engine',
    case: 'template-read-equality-one-match-sync',
    value: Math.round(rate(templateOps, t)),
    unit: 'ops/s',
    cpu_ops_s: cpuRate(templateOps, t),
    baseline: { name: 'Map.get', value: Math.round(mapRate) },
  });

  // range query on the ordered byTotal index, ~100 entries per query
  const width = (1000 * 100) / N;
  const rangeOps = 20_000;
  let returned = 0;
  const rangeLatencies: number[] = [];
  collectGarbage();
  t = start();
  for (let j = 0; j < rangeOps; j++) {
    const lo = random() * (1000 - width);
    const s = process.hrtime.bigint();
    returned += (
      await engine.readMultiple('Order', { query: 'total >= ? AND total < ?', params: [lo, lo + width] })
    ).length;
    rangeLatencies.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  emit({
    bench: 'engine',
    case: 'range-query-100',
    value: Math.round(rate(rangeOps, t)),
    unit: 'ops/s',
    cpu_ops_s: cpuRate(rangeOps, t),
    avg_returned: Math.round(returned / rangeOps),
    p50_ms: percentile(rangeLatencies, 50),
    p99_ms: percentile(rangeLatencies, 99),
  });

  // write new entries (validated, mutation built and applied): the synchronous core, execute + apply
  // on the engine's state, against Map.set of the same new orders frozen (no validation, no index).
  const writeOps = 200_000;
  const sameTotals = rng(99);
  const baselineOrders = Array.from({ length: writeOps }, (_, j) => makeOrder(N + j, sameTotals));
  collectGarbage();
  t = start();
  for (const o of baselineOrders) map.set(o['id'] as string, deepFreeze(o));
  const mapSetRate = rate(writeOps, t);
  emit({
    bench: 'engine',
    case: 'baseline-map-set-frozen-order',
    value: Math.round(mapSetRate),
    unit: 'ops/s',
    cpu_ops_s: cpuRate(writeOps, t),
  });
  const fresh = rng(99);
  const incoming = Array.from({ length: writeOps }, (_, j) => makeOrder(N + j, fresh));
  collectGarbage();
  t = start();
  for (const o of incoming) {
    for (const m of execute(state, { kind: 'write', type: 'Order', entry: o }, context()).mutations)
      apply(state, m);
  }
  emit({
    bench: 'engine',
    case: 'write-new-entry',
    value: Math.round(rate(writeOps, t)),
    unit: 'ops/s',
    cpu_ops_s: cpuRate(writeOps, t),
    baseline: { name: 'Map.set of the frozen order', value: Math.round(mapSetRate) },
  });

  // the same through the asynchronous facade (engine.write, no sink, one awaited Promise per write)
  const asyncOps = 100_000;
  const incomingAsync = Array.from({ length: asyncOps }, (_, j) => makeOrder(N + writeOps + j, fresh));
  collectGarbage();
  t = start();
  for (const o of incomingAsync) await engine.write('Order', o);
  emit({
    bench: 'engine',
    case: 'write-new-entry-async',
    value: Math.round(rate(asyncOps, t)),
    unit: 'ops/s',
    cpu_ops_s: cpuRate(asyncOps, t),
  });

  // take by a waiting taker: the taker waits, a write satisfies it
  const takeOps = 100_000;
  const takers: Record<string, unknown>[] = Array.from({ length: takeOps }, (_, j) => ({
    ...makeOrder(N + writeOps + asyncOps + j, fresh),
    customerId: 'taker',
  }));
  const latencies: number[] = [];
  collectGarbage();
  t = start();
  for (const o of takers) {
    const s = process.hrtime.bigint();
    const waiting = engine.take(
      'Order',
      { template: { customerId: 'taker', status: o['status'] } },
      { timeout: Infinity },
    );
    await engine.write('Order', o);
    if ((await waiting) !== null) sink++;
    latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  emit({
    bench: 'engine',
    case: 'take-to-waiting-taker',
    value: Math.round(rate(takeOps, t)),
    unit: 'ops/s',
    cpu_ops_s: cpuRate(takeOps, t),
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
  });
  if (engine.size !== N + writeOps + asyncOps) throw new Error(`bench consistency: size ${engine.size}`);
  progress(`done (${sink} hits)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
