/**
 * `npm run bench -- observability [measureSeconds=5] [warmupSeconds=1]` (issue 19 figure): what metrics
 * and logging cost. Two cases, each run with observability off and on, interleaved in BENCH_ROUNDS
 * rounds (default 3), medians and the median of per-round ratios (on / off):
 *
 *  - `sync-256-writers`: a LocalGrid of 4 partitions, 256 writers each awaiting `space.write('Order')`
 *    (sync replication), as bench/write's 256-writer case.
 *  - `remote-read-by-id-pipelined-64`: a processing unit (1 partition, no backup) holding 1,000 Orders,
 *    a RemoteSpace in the same process with 64 reads by id in flight.
 *
 * Off: `metrics: false` (engines and appenders count nothing), no HTTP endpoint, a `silent` logger.
 * On: counting on, the HTTP endpoint up and scraped (`GET /metrics`) every second, and a pino logger at
 * `info` (JSON lines on standard error, as `createLogger` writes them by default). The remote client
 * counts its calls in both (its counting has no switch).
 */
import { get } from 'node:http';
import { LocalGrid } from '../src/cluster/LocalGrid';
import { ProcessingUnit } from '../src/cluster/ProcessingUnit';
import type { GridOptions } from '../src/cluster/GridConfig';
import { RemoteSpace } from '../src/client/RemoteSpace';
import { createLogger } from '../src/ops/logging';
import type { HttpEndpoint } from '../src/http/HttpEndpoint';
import { BROKERS, closedLoop, SCHEMAS, uniquePrefix, type LoopResult } from './kafkaBench';
import { makeOrder, rng } from './orders';
import { emit, median, progress } from './report';

const MEASURE_MS = Number(process.argv[2] ?? 5) * 1000;
const WARMUP_MS = Number(process.argv[3] ?? 1) * 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SCRAPE_MS = 1000;
const prefix = uniquePrefix('obs');
const random = rng(19);

type Side = 'off' | 'on';

/** The grid / unit options of one side. */
function sideOptions(side: Side): Pick<GridOptions, 'metrics' | 'http' | 'logger'> {
  // Off is silent: without a logger Spacelog writes warnings (kafkajs' retried CONCURRENT_TRANSACTIONS among them).
  if (side === 'off') return { metrics: false, logger: createLogger({ level: 'silent' }) };
  return { http: { port: 0 }, logger: createLogger({ level: 'info' }) };
}

/** Scrapes `/metrics` every second while the side runs, as a (busy) Prometheus would; returns the stop. */
function scrape(endpoint: HttpEndpoint | undefined): { stop: () => number } {
  if (endpoint === undefined) return { stop: () => 0 };
  let scrapes = 0;
  const timer = setInterval(() => {
    get(`${endpoint.url}/metrics`, (res) => {
      res.resume();
      res.on('end', () => scrapes++);
    }).on('error', () => undefined);
  }, SCRAPE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return scrapes;
    },
  };
}

async function syncWriters(side: Side, round: number): Promise<LoopResult & { scrapes: number }> {
  const space = `w${side}${round}`;
  progress(`sync writes, 256 writers, observability ${side}, round ${round}`);
  const grid = await LocalGrid.start({
    space,
    partitions: 4,
    schemas: SCHEMAS,
    prefix,
    kafka: { brokers: BROKERS },
    ...sideOptions(side),
  });
  const scraper = scrape(grid.http);
  try {
    const result = await closedLoop(256, WARMUP_MS, MEASURE_MS, (_, n) =>
      grid.space.write('Order', makeOrder(n, random, `${space}-`)),
    );
    return { ...result, scrapes: scraper.stop() };
  } finally {
    scraper.stop();
    await grid.close();
  }
}

async function remoteReads(side: Side, round: number): Promise<LoopResult & { scrapes: number }> {
  const space = `r${side}${round}`;
  progress(`remote reads by id, 64 in flight, observability ${side}, round ${round}`);
  const unit = await ProcessingUnit.start({
    space,
    partitions: 1,
    backups: 0,
    schemas: SCHEMAS,
    prefix,
    kafka: { brokers: BROKERS },
    port: 0,
    membership: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 },
    ...sideOptions(side),
  });
  const client = await RemoteSpace.connect({ bootstrap: [unit.endpoint], space });
  const scraper = scrape(unit.http);
  try {
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const order = makeOrder(i, random, `${space}-`);
      ids.push(String(order.id));
      await client.write('Order', order);
    }
    const result = await closedLoop(64, WARMUP_MS, MEASURE_MS, (_, n) =>
      client.read('Order', { id: ids[n % ids.length]! }),
    );
    return { ...result, scrapes: scraper.stop() };
  } finally {
    scraper.stop();
    await client.close();
    await unit.close();
  }
}

async function compare(
  name: string,
  run: (side: Side, round: number) => Promise<LoopResult & { scrapes: number }>,
): Promise<void> {
  const off: LoopResult[] = [];
  const on: (LoopResult & { scrapes: number })[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, the first side alternating: a drift of the shared machine hits both.
    const order: Side[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const side of order) {
      const result = await run(side, round);
      if (side === 'off') off.push(result);
      else on.push(result);
    }
  }
  const ratios = on.map((r, i) => r.opsPerSecond / Math.max(1, off[i]!.opsPerSecond));
  emit({
    bench: 'observability',
    case: name,
    value: median(on.map((r) => r.opsPerSecond)),
    unit: 'ops/s',
    baseline: { name: 'observability off', value: median(off.map((r) => r.opsPerSecond)) },
    ratio: median(ratios),
    ratios: ratios.map((r) => Math.round(r * 1000) / 1000),
    p50_ms: median(on.map((r) => r.p50)),
    p99_ms: median(on.map((r) => r.p99)),
    off_p50_ms: median(off.map((r) => r.p50)),
    off_p99_ms: median(off.map((r) => r.p99)),
    cpu_us_per_op: median(on.map((r) => r.cpuUsPerOp)),
    off_cpu_us_per_op: median(off.map((r) => r.cpuUsPerOp)),
    scrapes_per_round: on.map((r) => r.scrapes),
    rounds: ROUNDS,
    load_average: (await import('node:os')).loadavg().map((l) => Math.round(l * 10) / 10),
  });
}

async function main(): Promise<void> {
  await compare('sync-256-writers', syncWriters);
  await compare('remote-read-by-id-pipelined-64', remoteReads);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
