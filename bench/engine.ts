/**
 * Engine benchmark: one SpaceEngine (no sink) holding N Orders (default 1,000,000), against a plain Map
 * of the same frozen objects with the same random key pattern, in the same run. Reads and the write of
 * new entries run in 5 rounds interleaved with their Map baseline; each reports its median rate and
 * the median of its per-round ratios (the shared VM's speed drifts by half within minutes).
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
import { emit, median, percentile, progress } from './report';

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

/** Rounds every interleaved case runs in (an odd count: the median is one of them). */
const ROUNDS = 5;

/** One case's rates, a pair per round: ops/s of wall-clock time and of CPU time. */
interface CaseRounds {
  readonly wall: number[];
  readonly cpu: number[];
}

/** Round `round`'s share of `items` (ROUNDS equal slices). */
function slice<T>(items: readonly T[], round: number): readonly T[] {
  const size = Math.floor(items.length / ROUNDS);
  return items.slice(round * size, (round + 1) * size);
}

/**
 * Runs every case once per round, in the same order each round (each answers how many operations it
 * did), with a full collection before each. A slow spell of the machine then lands on a baseline and
 * the cases compared to it alike, instead of on whichever ran during it.
 */
async function interleaved(
  cases: Readonly<Record<string, (round: number) => Promise<number>>>,
): Promise<Map<string, CaseRounds>> {
  const out = new Map<string, CaseRounds>(Object.keys(cases).map((name) => [name, { wall: [], cpu: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    progress(`round ${round + 1} of ${ROUNDS}: ${Object.keys(cases).join(', ')}`);
    for (const [name, run] of Object.entries(cases)) {
      collectGarbage();
      const t = start();
      const ops = await run(round);
      const measured = out.get(name) as CaseRounds;
      measured.wall.push(rate(ops, t));
      measured.cpu.push(cpuRate(ops, t));
    }
  }
  return out;
}

/**
 * Prints a case measured in rounds: its median rate, and against a baseline the median of the
 * per-round ratios (each round's ratio compares two measurements taken moments apart).
 */
function emitRounds(
  name: string,
  measured: CaseRounds,
  baseline?: { name: string; rounds: CaseRounds },
): void {
  const ratios = baseline ? measured.wall.map((v, i) => v / (baseline.rounds.wall[i] ?? v)) : undefined;
  emit({
    bench: 'engine',
    case: name,
    value: Math.round(median(measured.wall)),
    unit: 'ops/s',
    cpu_ops_s: Math.round(median(measured.cpu)),
    rounds: ROUNDS,
    ...(baseline && ratios
      ? {
          baseline: { name: baseline.name, value: Math.round(median(baseline.rounds.wall)) },
          ratio: median(ratios),
        }
      : {}),
  });
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

  // Reads, interleaved with their baseline: every round runs each case once over its own slice of the
  // keys, so a slow spell of the (shared, noisy) machine hits the baseline and the engine alike.
  let sink = 0;
  const templateKeys = keyIndexes.slice(0, Math.min(OPS, 300_000));
  const state = engine.state;
  const queries = queryCompiler();
  // A fresh context per operation, as the engine builds one (clock reading included).
  const context = (): ExecuteContext => ({ now: Date.now(), origin: 'bench', queries });
  const reads = await interleaved({
    'baseline-map-get': async (round) => {
      const keys = slice(ids, round);
      for (const id of keys) if (map.get(id) !== undefined) sink++;
      return keys.length;
    },
    'read-by-id': async (round) => {
      const keys = slice(ids, round);
      for (const id of keys) if ((await engine.read('Order', { id })) !== null) sink++;
      return keys.length;
    },
    'read-by-id-sync-lookup': async (round) => {
      const keys = slice(ids, round);
      for (const id of keys) if (engine.lookup('Order', id) !== undefined) sink++;
      return keys.length;
    },
    // through the (customerId, status) equality index, one match each
    'template-read-equality-one-match': async (round) => {
      const picks = slice(templateKeys, round);
      for (const i of picks) {
        const found = await engine.read('Order', {
          template: { customerId: `c-${i >> 2}`, status: STATUSES[i & 3] },
        });
        if (found !== null) sink++;
      }
      return picks.length;
    },
    // the same through the synchronous core (execute on the engine's state, no Promise)
    'template-read-equality-one-match-sync': async (round) => {
      const picks = slice(templateKeys, round);
      for (const i of picks) {
        const selector = { template: { customerId: `c-${i >> 2}`, status: STATUSES[i & 3] } };
        if (execute(state, { kind: 'read', type: 'Order', selector }, context()).result !== null) sink++;
      }
      return picks.length;
    },
  });
  const mapGet = reads.get('baseline-map-get') as CaseRounds;
  emitRounds('baseline-map-get', mapGet);
  for (const [name, measured] of reads)
    if (name !== 'baseline-map-get') emitRounds(name, measured, { name: 'Map.get', rounds: mapGet });

  // range query on the ordered byTotal index, ~100 entries per query
  const width = (1000 * 100) / N;
  const rangeOps = 20_000;
  let returned = 0;
  const rangeLatencies: number[] = [];
  collectGarbage();
  let t = start();
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
  const fresh = rng(99);
  const incoming = Array.from({ length: writeOps }, (_, j) => makeOrder(N + j, fresh));
  const writes = await interleaved({
    'baseline-map-set-frozen-order': async (round) => {
      const orders = slice(baselineOrders, round);
      for (const o of orders) map.set(o['id'] as string, deepFreeze(o));
      return orders.length;
    },
    'write-new-entry': async (round) => {
      const orders = slice(incoming, round);
      for (const o of orders) {
        for (const m of execute(state, { kind: 'write', type: 'Order', entry: o }, context()).mutations)
          apply(state, m);
      }
      return orders.length;
    },
  });
  const mapSet = writes.get('baseline-map-set-frozen-order') as CaseRounds;
  emitRounds('baseline-map-set-frozen-order', mapSet);
  emitRounds('write-new-entry', writes.get('write-new-entry') as CaseRounds, {
    name: 'Map.set of the frozen order',
    rounds: mapSet,
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
