/**
 * Mirror benchmarks, each with a baseline measured in the same run:
 *
 *  - `projector-backlog`: N Orders (default 1,000,000) already in a 4-partition log (written by the
 *    product's PartitionAppender and MutationCodec, as bench/warmup.ts fills it); the time from
 *    `MirrorProjector.start()` to caught up, in rows/s. Baseline: PostgreSQL `COPY ... FROM STDIN`
 *    (pg-copy-streams, CSV) of the same rows (the projector's own row conversion) into a table of the
 *    same shape (`LIKE ... INCLUDING ALL`: same columns, primary key, indexes).
 *  - `lag-under-load`: a grid with the embedded mirror, new Orders offered open-loop at RATE writes/s;
 *    for every 10th acknowledged write, the time from its acknowledgement to its row being committed in
 *    PostgreSQL (`grid.mirror.waitFor(position)`), p50 / p99. Baseline: the same for a raw kafkajs
 *    read_committed consumer of the same topics (ack to record readable): the floor of any write-behind.
 *  - `ntier`: the same order workload (new order, then its status set to PAID) by 64 concurrent
 *    requests, (a) n-tier: a service writing each change to PostgreSQL on the request path (pg Pool,
 *    one statement per change, synchronous commit); (b) Spacelog with the embedded mirror.
 *
 * Usage: node dist/bench/mirror.js [N=1000000] [lagSeconds=15] [ntierSeconds=8] [rate=10000]
 */
import { loadavg } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import knexFactory, { type Knex } from 'knex';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { LocalGrid } from '../src/cluster/LocalGrid';
import { partitionOf } from '../src/api/partitionOf';
import { PartitionAppender } from '../src/log/append/PartitionAppender';
import { SchemaTopic } from '../src/log/read/SchemaTopic';
import { TopicAdmin } from '../src/log/admin/TopicAdmin';
import { partitionTopic } from '../src/log/admin/topicNames';
import { rowOf } from '../src/mirror/coalesce';
import { createMirrorTables } from '../src/mirror/createMirrorTables';
import { databaseUrlFromEnv } from '../src/mirror/databaseUrl';
import { DEFAULT_MIRROR_BATCH_BYTES, DEFAULT_MIRROR_CONCURRENCY } from '../src/mirror/MirrorConfig';
import { MirrorProjector } from '../src/mirror/MirrorProjector';
import { quoteIdent } from '../src/mirror/naming';
import { META_COLUMNS, mapEntryType, type TableMapping } from '../src/mirror/TableMapping';
import type { Mutation } from '../src/space/Mutation';
import {
  BROKERS,
  closedLoop,
  kafkaClient,
  loadTypes,
  orderCodec,
  sleep,
  uniquePrefix,
  writeMutation,
} from './kafkaBench';
import { makeOrder, rng } from './orders';
import { emit, percentile, progress } from './report';

const N = Number(process.argv[2] ?? 1_000_000);
const LAG_MS = Number(process.argv[3] ?? 15) * 1000;
const NTIER_MS = Number(process.argv[4] ?? 8) * 1000;
const RATE = Number(process.argv[5] ?? 10_000);
const PARTITIONS = 4;
/** Projector settings of the backlog case (BENCH_MIRROR_CONCURRENCY, BENCH_MIRROR_BATCH_BYTES). */
const CONCURRENCY = Number(process.env.BENCH_MIRROR_CONCURRENCY ?? DEFAULT_MIRROR_CONCURRENCY);
const BATCH_BYTES = Number(process.env.BENCH_MIRROR_BATCH_BYTES ?? DEFAULT_MIRROR_BATCH_BYTES);
const prefix = uniquePrefix('mirror');
const schema = `bench_mirror_${process.pid}`;
const kafka = kafkaClient('bench-mirror');
const admin = new TopicAdmin({ kafka, prefix });
const types = loadTypes();
const databaseUrl = databaseUrlFromEnv();
const knex: Knex = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 12 } });
const load = (): number => Math.round(loadavg()[0]! * 100) / 100;

/** Fills `space`'s logs with N committed WRITE mutations of Orders through the product's appender. */
async function fill(space: string): Promise<void> {
  const topics = await admin.ensureSpace(space, PARTITIONS);
  await new SchemaTopic({ kafka, topics: admin }).register([...types]);
  const codec = orderCodec(types);
  const appenders = topics.map(
    (_, partition) => new PartitionAppender({ kafka, prefix, space, partition, codec }),
  );
  await Promise.all(appenders.map((a) => a.start()));
  const chunks: Mutation[][] = appenders.map(() => []);
  const pending = new Set<Promise<void>>();
  const flush = async (k: number): Promise<void> => {
    const p = appenders[k]!.append(chunks[k]!);
    chunks[k] = [];
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => undefined);
    if (pending.size >= 64) await Promise.race(pending);
  };
  const random = rng(5);
  const started = Date.now();
  for (let i = 0; i < N; i++) {
    const order = makeOrder(i, random);
    const k = partitionOf(order.customerId, PARTITIONS);
    chunks[k]!.push(writeMutation(order, 'bench-mirror'));
    if (chunks[k]!.length >= 500) await flush(k);
    if ((i + 1) % 200_000 === 0) progress(`produced ${i + 1} / ${N}`);
  }
  for (let k = 0; k < PARTITIONS; k++) if (chunks[k]!.length > 0) await flush(k);
  await Promise.all(pending);
  await Promise.all(appenders.map((a) => a.close()));
  progress(`log filled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** One CSV field: null unquoted-empty, anything else quoted (JSON values as JSON text). */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `"${text.replace(/"/g, '""')}"`;
}

/** The baseline: COPY of the same N rows (the projector's row conversion) into a table of the same shape. */
async function copyBaseline(mapping: TableMapping): Promise<number> {
  const table = `${quoteIdent(schema)}.${quoteIdent('copy_baseline')}`;
  await knex.raw(`CREATE TABLE ${table} (LIKE ${mapping.qualifiedTable} INCLUDING ALL)`);
  const columns = [...mapping.columns.map((c) => c.name), ...META_COLUMNS.map((c) => c.name)];
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  const client = await pool.connect();
  try {
    const random = rng(5);
    const context = { space: mapping.space, partition: 0 };
    function* lines(): Generator<string> {
      let chunk = '';
      for (let i = 0; i < N; i++) {
        const order = makeOrder(i, random);
        const row = rowOf(mapping, { mutation: writeMutation(order, 'bench'), offset: i }, context);
        chunk += `${columns.map((c) => csvField(row[c])).join(',')}\n`;
        if (chunk.length > 1 << 16) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk !== '') yield chunk;
    }
    const started = process.hrtime.bigint();
    const sink = client.query(
      copyFrom(`COPY ${table} (${columns.map(quoteIdent).join(', ')}) FROM STDIN (FORMAT csv)`),
    );
    await pipeline(Readable.from(lines()), sink);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const [count] = (await knex.raw(`SELECT count(*)::int AS n FROM ${table}`)).rows as { n: number }[];
    if (count?.n !== N) throw new Error(`COPY left ${String(count?.n)} rows, expected ${N}`);
    return seconds;
  } finally {
    client.release();
    await pool.end();
  }
}

async function projectorBacklog(): Promise<void> {
  const space = 'backlog';
  progress(`filling the log with ${N} orders`);
  await fill(space);
  await createMirrorTables({ knex, schema, space, types });
  const mapping = mapEntryType(space, types.require('Order'), schema);
  progress('projector: catching up on the backlog');
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const projector = new MirrorProjector({
    space,
    schemas: types,
    database: knex,
    schema,
    prefix,
    kafka: { brokers: BROKERS },
    concurrency: CONCURRENCY,
    maxBatchBytes: BATCH_BYTES,
  });
  await projector.start();
  await projector.waitForCatchUp(30 * 60_000);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuUsed = process.cpuUsage(cpu);
  await projector.stop();
  const [rows] = (await knex.raw(`SELECT count(*)::int AS n FROM ${mapping.qualifiedTable}`)).rows as {
    n: number;
  }[];
  if (rows?.n !== N) throw new Error(`mirror holds ${String(rows?.n)} rows, expected ${N}`);
  progress(`projector: ${seconds.toFixed(1)} s; COPY baseline`);
  const copySeconds = await copyBaseline(mapping);
  emit({
    bench: 'mirror',
    case: `projector-backlog-${N}-orders-${PARTITIONS}-partitions`,
    value: Math.round(N / seconds),
    unit: 'rows/s',
    baseline: {
      name: 'pg COPY FROM STDIN (csv) of the same rows, same table shape',
      value: Math.round(N / copySeconds),
    },
    seconds: Math.round(seconds * 1000) / 1000,
    baseline_seconds: Math.round(copySeconds * 1000) / 1000,
    cpu_seconds: Math.round(((cpuUsed.user + cpuUsed.system) / 1e6) * 1000) / 1000,
    concurrency: CONCURRENCY,
    max_batch_bytes: BATCH_BYTES,
    load_average_1m: load(),
  });
}

async function lagUnderLoad(): Promise<void> {
  const space = 'lag';
  const grid = await LocalGrid.start({
    space,
    partitions: PARTITIONS,
    schemas: types,
    prefix,
    kafka: { brokers: BROKERS },
    mirror: { database: knex, schema, createTables: true, concurrency: CONCURRENCY },
  });
  await grid.mirrorStarted();
  const mirror = grid.mirror!;
  // The baseline: a raw read_committed consumer of the same topics, ack -> record readable.
  const acked = new Map<string, number>();
  const consumed = new Map<string, number>();
  const rawLags: number[] = [];
  const consumer = kafka.consumer({ groupId: `${prefix}-raw-lag`, maxWaitTimeInMs: 10 });
  await consumer.connect();
  await consumer.subscribe({
    topics: Array.from({ length: PARTITIONS }, (_, k) => partitionTopic(prefix, space, k)),
    fromBeginning: true,
  });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const now = performance.now();
      for (const m of batch.messages) {
        const key = m.key?.toString('utf8') ?? '';
        const ack = acked.get(key);
        if (ack !== undefined) {
          rawLags.push(Math.max(0, now - ack));
          acked.delete(key);
        } else consumed.set(key, now);
      }
    },
  });
  await sleep(2000);
  const lags: number[] = [];
  const acks: number[] = [];
  const waits = new Set<Promise<void>>();
  const random = rng(17);
  let n = 0;
  let inFlight = 0;
  let done = 0;
  let errors = 0;
  const started = performance.now();
  progress(`lag: offering ${RATE} writes/s for ${LAG_MS / 1000} s`);
  while (performance.now() - started < LAG_MS) {
    const due = Math.floor(((performance.now() - started) / 1000) * RATE);
    while (n < due && inFlight < 4096) {
      const i = n++;
      inFlight++;
      const sent = performance.now();
      void grid.space
        .write('Order', makeOrder(i, random, 'lag-'))
        .then((result) => {
          const ack = performance.now();
          acks.push(ack - sent);
          done++;
          if (i % 10 !== 0 || result.position === undefined) return;
          const key = `Order/lag-${i}`;
          const early = consumed.get(key);
          if (early !== undefined) {
            rawLags.push(0);
            consumed.delete(key);
          } else acked.set(key, ack);
          const wait = mirror.waitFor(result.position, 60_000).then(() => {
            lags.push(performance.now() - ack);
          });
          waits.add(wait);
          void wait.finally(() => waits.delete(wait)).catch(() => errors++);
        })
        .catch(() => errors++)
        .finally(() => inFlight--);
    }
    await sleep(5);
  }
  const elapsed = (performance.now() - started) / 1000;
  while (inFlight > 0) await sleep(10);
  await Promise.allSettled([...waits]);
  await sleep(500);
  await consumer.disconnect();
  await grid.close();
  emit({
    bench: 'mirror',
    case: `lag-under-load-offered-${RATE}-writes-per-s`,
    value: percentile(lags, 99),
    unit: 'ms (p99, ack -> row committed in PostgreSQL)',
    p50_ms: percentile(lags, 50),
    p99_ms: percentile(lags, 99),
    baseline: {
      name: 'raw read_committed kafkajs consumer: ack -> record readable (p99 ms)',
      value: percentile(rawLags, 99),
    },
    baseline_p50_ms: percentile(rawLags, 50),
    achieved_writes_per_s: Math.round(done / elapsed),
    write_ack_p99_ms: percentile(acks, 99),
    samples: lags.length,
    errors,
    concurrency: CONCURRENCY,
    load_average_1m: load(),
  });
}

async function ntier(): Promise<void> {
  // (a) n-tier: every change goes to PostgreSQL on the request path, one statement each.
  await createMirrorTables({ knex, schema, space: 'ntier', types });
  const mapping = mapEntryType('ntier', types.require('Order'), schema);
  const columns = [...mapping.columns.map((c) => c.name), ...META_COLUMNS.map((c) => c.name)];
  const insert =
    `INSERT INTO ${mapping.qualifiedTable} (${columns.map(quoteIdent).join(', ')}) ` +
    `SELECT ${columns.map(quoteIdent).join(', ')} FROM jsonb_populate_record(NULL::${mapping.qualifiedTable}, $1::jsonb)`;
  const update = `UPDATE ${mapping.qualifiedTable} SET status = 'PAID', _version = _version + 1 WHERE id = $1`;
  const pool = new Pool({ connectionString: databaseUrl, max: 16 });
  const random = rng(23);
  const context = { space: 'ntier', partition: 0 };
  const writers = 64;
  progress('ntier (a): pg Pool, one statement per change');
  // Each writer's requests alternate: a new order, then that order's status set to PAID.
  const aSteps = new Array<number>(writers).fill(0);
  const pg = await closedLoop(writers, 2000, NTIER_MS, async (w) => {
    const s = aSteps[w]!++;
    const i = s >> 1;
    if (s % 2 === 0) {
      const row = rowOf(
        mapping,
        { mutation: writeMutation(makeOrder(i, random, `a${w}-`), 'n'), offset: 0 },
        context,
      );
      await pool.query(insert, [JSON.stringify(row)]);
    } else await pool.query(update, [`a${w}-${i}`]);
  });
  await pool.end();
  // (b) Spacelog with the embedded mirror: the same changes, in memory + Kafka on the request path.
  progress('ntier (b): Spacelog with the mirror');
  const grid = await LocalGrid.start({
    space: 'spacelog',
    partitions: PARTITIONS,
    schemas: types,
    prefix,
    kafka: { brokers: BROKERS },
    mirror: { database: knex, schema, createTables: true },
  });
  await grid.mirrorStarted();
  const bSteps = new Array<number>(writers).fill(0);
  const sl = await closedLoop(writers, 2000, NTIER_MS, async (w) => {
    const s = bSteps[w]!++;
    const i = s >> 1;
    if (s % 2 === 0) await grid.space.write('Order', makeOrder(i, random, `b${w}-`));
    else {
      await grid.space.change('Order', { id: `b${w}-${i}` }, [{ op: 'set', path: 'status', value: 'PAID' }], {
        routing: `c-${i >> 2}`, // makeOrder(i).customerId
      });
    }
  });
  await grid.mirror!.waitForCatchUp(120_000).catch(() => undefined);
  await grid.close();
  emit({
    bench: 'mirror',
    case: `ntier-vs-spacelog-${writers}-concurrent-requests`,
    value: sl.opsPerSecond,
    unit: 'changes/s',
    p50_ms: sl.p50,
    p99_ms: sl.p99,
    baseline: {
      name: 'n-tier: pg Pool, one statement per change on the request path',
      value: pg.opsPerSecond,
    },
    baseline_p50_ms: pg.p50,
    baseline_p99_ms: pg.p99,
    p99_ratio: pg.p99 > 0 ? Math.round((sl.p99 / pg.p99) * 1000) / 1000 : null,
    load_average_1m: load(),
  });
}

async function main(): Promise<void> {
  const only = process.env.BENCH_MIRROR_CASES?.split(',') ?? ['backlog', 'lag', 'ntier'];
  progress(`brokers ${BROKERS.join(',')}, prefix ${prefix}, PostgreSQL schema ${schema}`);
  await knex.raw(`CREATE SCHEMA ${quoteIdent(schema)}`);
  try {
    if (only.includes('backlog')) await projectorBacklog();
    if (only.includes('lag')) await lagUnderLoad();
    if (only.includes('ntier')) await ntier();
  } finally {
    progress('cleaning up');
    await knex.raw(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`).catch(() => undefined);
    await knex.destroy();
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
