/**
 * Remote read benchmark: `RemoteSpace.read` by id (with routing) through a `SpaceServer` over a local
 * grid on real Kafka. Two modes: sequential (one call at a time) and pipelined (64 in flight on one
 * connection). One JSON line per case. Cases:
 *  - `redis`: against Redis GET of the same orders as JSON (ioredis, 127.0.0.1:6379) in the same run;
 *    throughput ratio = ours / Redis (>= 0.67 meets issue 6's 1.5x target).
 *  - `tls` (issue 18): over TLS with password authentication against the same read over plain TCP,
 *    interleaved rounds (BENCH_ROUNDS, default 5, each side `seconds / 2` per round), medians; target
 *    >= 0.8 x plain. Certificates (openssl) and the credentials file live in a temp folder for the run.
 * Usage: node dist/bench/remote.js [seconds per case = 5] [orders = 10000] [redis] [tls] (default both)
 * The grid and its servers run in a child process (bench/remote/serverChild), as Redis runs in its
 * own, so this process measures only the client side.
 * Env: SPACELOG_KAFKA_BROKERS; REDIS_URL (default redis://127.0.0.1:6379); BENCH_ROUNDS.
 */
import { RemoteSpace } from '../src/client/RemoteSpace';
import { TopicAdmin } from '../src/log/admin/TopicAdmin';
import { BROKERS, kafkaClient, uniquePrefix } from './kafkaBench';
import { makeOrder, rng } from './orders';
import { closedLoop, type Figures } from './remote/closedLoop';
import { startServerProcess } from './remote/serverProcess';
import { prepareTls, tlsCases, type TlsSetup } from './remote/tlsCase';
import { emit, progress } from './report';

const CASES = ['redis', 'tls'] as const;
const numbers = process.argv.slice(2).filter((a) => /^\d+(\.\d+)?$/u.test(a));
const words = process.argv.slice(2).filter((a) => !/^\d+(\.\d+)?$/u.test(a));
const MEASURE_MS = (Number(numbers[0] ?? 5) || 5) * 1000;
const ORDERS = Number(numbers[1] ?? 10_000) || 10_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5) || 5;
const PIPELINE = 64;
const WARMUP_MS = 1000;
const MODES = [
  ['sequential', 1],
  [`pipelined-${PIPELINE}`, PIPELINE],
] as const;

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

async function main(): Promise<void> {
  const unknown = words.filter((w) => !(CASES as readonly string[]).includes(w));
  if (unknown.length > 0)
    throw new Error(`unknown case(s) ${unknown.join(', ')}; cases: ${CASES.join(', ')}`);
  const wanted = new Set(words.length === 0 ? CASES : words);
  const prefix = uniquePrefix('remote');
  const random = rng(7);
  const orders = Array.from({ length: ORDERS }, (_, i) => makeOrder(i, random));
  progress(
    `brokers ${BROKERS.join(',')}, prefix ${prefix}, ${ORDERS} orders, ${MEASURE_MS / 1000} s per case, ` +
      `cases ${[...wanted].join(', ')}`,
  );
  let tls: TlsSetup | undefined;
  try {
    if (wanted.has('tls')) tls = await prepareTls();
    const server = await startServerProcess(prefix, tls?.server);
    const space = await RemoteSpace.connect({ bootstrap: [server.endpoint], space: 'orders' });
    const redis = wanted.has('redis') ? await openRedis() : undefined;
    try {
      for (let i = 0; i < ORDERS; i += 500)
        await Promise.all(orders.slice(i, i + 500).map((o) => space.write('Order', o)));
      if (redis) for (const o of orders) await redis.set(`bench:${String(o.id)}`, JSON.stringify(o));

      const readFrom = async (from: RemoteSpace, i: number): Promise<void> => {
        const o = orders[i % ORDERS]!;
        const found = await from.read('Order', { id: String(o.id) }, { routing: o.customerId });
        if (found === null) throw new Error(`bench consistency: ${String(o.id)} not found`);
      };
      const remoteRead = (i: number): Promise<void> => readFrom(space, i);
      const redisGet = async (i: number): Promise<void> => {
        const raw = await redis!.get(`bench:${String(orders[i % ORDERS]!.id)}`);
        if (raw === null) throw new Error('bench consistency: redis key missing');
        JSON.parse(raw); // a client gets an object, as from the space
      };

      for (const [mode, inFlight] of wanted.has('redis') ? MODES : []) {
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
      if (tls) {
        await tlsCases(server, tls, space, readFrom, {
          rounds: ROUNDS,
          roundMs: MEASURE_MS / 2,
          modes: MODES,
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
    }
  } finally {
    tls?.remove();
    const admin = new TopicAdmin({ kafka: kafkaClient('bench-remote'), prefix });
    await admin.deleteAll().catch((e: unknown) => progress(`could not delete topics: ${String(e)}`));
    await admin.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
