/**
 * Engine benchmark: one SpaceEngine (no sink) holding N Orders (default 1,000,000), against a plain Map
 * of the same frozen objects with the same random key pattern, in the same run.
 * Usage: node --expose-gc dist/bench/engine.js [N]
 */
import * as path from 'node:path';
import { SchemaLoader } from '../src/schema/SchemaLoader';
import { deepFreeze } from '../src/space/deepFreeze';
import { SpaceEngine } from '../src/space/SpaceEngine';
import { emit, percentile, progress } from './report';

const N = Number(process.argv[2] ?? 1_000_000);
const OPS = Math.min(N, 1_000_000);
const STATUSES = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'] as const;
const CITIES = Array.from({ length: 50 }, (_, i) => `City-${i}`);

/** Deterministic PRNG (mulberry32) so both sides see the same data and keys. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeOrder(i: number, random: () => number, prefix = 'o-'): Record<string, unknown> {
  const lines = [];
  const count = 1 + (i % 3);
  for (let l = 0; l < count; l++)
    lines.push({ sku: `sku-${(i * 7 + l) % 10_000}`, quantity: 1 + l, price: 9.5 + l });
  return {
    id: `${prefix}${i}`,
    // (customerId, status) is unique per order: the one-match template case uses it.
    customerId: `c-${i >> 2}`,
    status: STATUSES[i & 3],
    total: random() * 1000,
    createdAt: 1_700_000_000_000 + i,
    shipping: { city: CITIES[i % CITIES.length], zip: `${10_000 + (i % 90_000)}` },
    lines,
    note: null,
  };
}

function heapUsed(): number {
  const gc = (global as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function rate(ops: number, started: bigint): number {
  return ops / (Number(process.hrtime.bigint() - started) / 1e9);
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
  let t = process.hrtime.bigint();
  for (const id of ids) if (map.get(id) !== undefined) sink++;
  const mapRate = rate(OPS, t);
  t = process.hrtime.bigint();
  for (const id of ids) if ((await engine.read('Order', { id })) !== null) sink++;
  emit({
    bench: 'engine',
    case: 'read-by-id',
    value: Math.round(rate(OPS, t)),
    unit: 'ops/s',
    baseline: { name: 'Map.get', value: Math.round(mapRate) },
  });
  t = process.hrtime.bigint();
  for (const id of ids) if (engine.lookup('Order', id) !== undefined) sink++;
  emit({
    bench: 'engine',
    case: 'read-by-id-sync-lookup',
    value: Math.round(rate(OPS, t)),
    unit: 'ops/s',
    baseline: { name: 'Map.get', value: Math.round(mapRate) },
  });

  // template read through the (customerId, status) equality index, one match each
  const templateOps = Math.min(OPS, 300_000);
  t = process.hrtime.bigint();
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
    baseline: { name: 'Map.get', value: Math.round(mapRate) },
  });

  // range query on the ordered byTotal index, ~100 entries per query
  const width = (1000 * 100) / N;
  const rangeOps = 20_000;
  let returned = 0;
  const rangeLatencies: number[] = [];
  t = process.hrtime.bigint();
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
    avg_returned: Math.round(returned / rangeOps),
    p50_ms: percentile(rangeLatencies, 50),
    p99_ms: percentile(rangeLatencies, 99),
  });

  // write new entries (validated, mutation built and applied)
  const writeOps = 200_000;
  const fresh = rng(99);
  const incoming = Array.from({ length: writeOps }, (_, j) => makeOrder(N + j, fresh));
  t = process.hrtime.bigint();
  for (const o of incoming) await engine.write('Order', o);
  emit({ bench: 'engine', case: 'write-new-entry', value: Math.round(rate(writeOps, t)), unit: 'ops/s' });

  // take by a waiting taker: the taker waits, a write satisfies it
  const takeOps = 100_000;
  const takers: Record<string, unknown>[] = Array.from({ length: takeOps }, (_, j) => ({
    ...makeOrder(N + writeOps + j, fresh),
    customerId: 'taker',
  }));
  const latencies: number[] = [];
  t = process.hrtime.bigint();
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
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
  });
  if (engine.size !== N + writeOps) throw new Error(`bench consistency: size ${engine.size}`);
  progress(`done (${sink} hits)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
