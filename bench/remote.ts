/**
 * Remote read benchmark: `RemoteSpace.read` by id (with routing) through a `SpaceServer` over a local
 * grid on real Kafka, against Redis GET of the same orders as JSON (ioredis, 127.0.0.1:6379) in the
 * same run. Two modes per side: sequential (one call at a time) and pipelined (64 in flight on one
 * connection). One JSON line per case; throughput ratio = ours / Redis (>= 0.67 meets the 1.5× target).
 * Usage: node dist/bench/remote.js [seconds per case = 5] [orders = 10000]
 * The grid and its server run in a child process, as Redis runs in its own, so this process measures
 * only the client side.
 * Env: SPACELOG_KAFKA_BROKERS; REDIS_URL (default redis://127.0.0.1:6379).
 */
import { fork } from 'node:child_process';
import { LocalGrid } from '../src/cluster/LocalGrid';
import { RemoteSpace } from '../src/client/RemoteSpace';
import { TopicAdmin } from '../src/log/TopicAdmin';
import { SpaceServer } from '../src/net/SpaceServer';
import { BROKERS, kafkaClient, SCHEMAS, uniquePrefix } from './kafkaBench';
import { makeOrder, rng } from './orders';
import { emit, percentile, progress } from './report';

const MEASURE_MS = (Number(process.argv[2] ?? 5) || 5) * 1000;
const ORDERS = Number(process.argv[3] ?? 10_000) || 10_000;
const PIPELINE = 64;
const WARMUP_MS = 1000;

interface Figures {
  readonly opsPerSec: number;
  readonly p50: number;
  readonly p99: number;
}

/** Runs `inFlight` closed loops of `op(i)` for `ms`; latency per call. */
async function closedLoop(
  inFlight: number,
  ms: number,
  op: (i: number) => Promise<unknown>,
): Promise<Figures> {
  const latencies: number[] = [];
  let done = 0;
  const end = performance.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, worker) => {
      let i = worker;
      while (performance.now() < end) {
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
        done++;
        i += inFlight;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    opsPerSec: Math.round(done / seconds),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
  quit(): Promise<unknown>;
}

async function openRedis(): Promise<RedisLike | undefined> {
  let Redis: new (url: string, options: object) => RedisLike;
  try {
    // ioredis is an optional dev dependency: without it the baseline is skipped, not the bench.
    ({ Redis } = (await import('ioredis')) as unknown as { Redis: typeof Redis });
  } catch {
    progress('ioredis is not installed (npm install --save-dev ioredis): Redis baseline skipped');
    return undefined;
  }
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.get('spacelog-bench-probe');
    return redis;
  } catch (error) {
    progress(`Redis not reachable (${String(error)}): baseline skipped`);
    await redis.quit().catch(() => undefined);
    return undefined;
  }
}

/** Child side: a grid and its server until the parent says stop. */
async function serve(prefix: string): Promise<void> {
  const grid = await LocalGrid.start({
    space: 'orders',
    partitions: 4,
    schemas: SCHEMAS,
    prefix,
    kafka: { brokers: BROKERS },
  });
  const server = await SpaceServer.listen(grid, { port: 0 });
  process.send!({ endpoint: server.endpoint });
  await new Promise((resolve) => process.once('message', resolve));
  await server.close();
  await grid.close();
  process.exit(0);
}

/** Starts the serving child; resolves with its endpoint and a stop function. */
async function startServer(prefix: string): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const child = fork(__filename, ['--serve', prefix], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { endpoint: string }) => resolve(m.endpoint));
    child.once('exit', (code) => reject(new Error(`server child exited with ${String(code)}`)));
  });
  return {
    endpoint,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

async function main(): Promise<void> {
  const prefix = uniquePrefix('remote');
  const random = rng(7);
  const orders = Array.from({ length: ORDERS }, (_, i) => makeOrder(i, random));
  progress(
    `brokers ${BROKERS.join(',')}, prefix ${prefix}, ${ORDERS} orders, ${MEASURE_MS / 1000} s per case`,
  );
  const server = await startServer(prefix);
  const space = await RemoteSpace.connect({ bootstrap: [server.endpoint], space: 'orders' });
  const redis = await openRedis();
  try {
    for (let i = 0; i < ORDERS; i += 500)
      await Promise.all(orders.slice(i, i + 500).map((o) => space.write('Order', o)));
    if (redis) for (const o of orders) await redis.set(`bench:${String(o.id)}`, JSON.stringify(o));

    const remoteRead = async (i: number): Promise<void> => {
      const o = orders[i % ORDERS]!;
      const found = await space.read('Order', { id: String(o.id) }, { routing: o.customerId });
      if (found === null) throw new Error(`bench consistency: ${String(o.id)} not found`);
    };
    const redisGet = async (i: number): Promise<void> => {
      const raw = await redis!.get(`bench:${String(orders[i % ORDERS]!.id)}`);
      if (raw === null) throw new Error('bench consistency: redis key missing');
      JSON.parse(raw); // a client gets an object, as from the space
    };

    for (const [mode, inFlight] of [
      ['sequential', 1],
      [`pipelined-${PIPELINE}`, PIPELINE],
    ] as const) {
      let baseline: Figures | undefined;
      if (redis) {
        progress(`redis GET ${mode}`);
        await closedLoop(inFlight, WARMUP_MS, redisGet);
        baseline = await closedLoop(inFlight, MEASURE_MS, redisGet);
        emit({
          bench: 'remote',
          case: `redis-get-${mode}`,
          value: baseline.opsPerSec,
          unit: 'ops/s',
          p50_ms: baseline.p50,
          p99_ms: baseline.p99,
        });
      }
      progress(`remote read ${mode}`);
      await closedLoop(inFlight, WARMUP_MS, remoteRead);
      const ours = await closedLoop(inFlight, MEASURE_MS, remoteRead);
      emit({
        bench: 'remote',
        case: `read-by-id-${mode}`,
        value: ours.opsPerSec,
        unit: 'ops/s',
        p50_ms: ours.p50,
        p99_ms: ours.p99,
        ...(baseline
          ? {
              baseline: { name: `redis-get-${mode}`, value: baseline.opsPerSec },
              p50_ratio: Math.round((ours.p50 / baseline.p50) * 1000) / 1000,
              p99_ratio: Math.round((ours.p99 / baseline.p99) * 1000) / 1000,
            }
          : {}),
      });
    }
  } finally {
    await space.close();
    await server.stop();
    if (redis) {
      for (let i = 0; i < ORDERS; i += 1000) {
        await Promise.all(orders.slice(i, i + 1000).map((o) => redis.del(`bench:${String(o.id)}`)));
      }
      await redis.quit();
    }
    const admin = new TopicAdmin({ kafka: kafkaClient('bench-remote'), prefix });
    await admin.deleteAll().catch((e: unknown) => progress(`could not delete topics: ${String(e)}`));
    await admin.close();
  }
}

(process.argv[2] === '--serve' ? serve(process.argv[3]!) : main()).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
