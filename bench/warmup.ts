/**
 * Warm-up benchmark: N Orders (default 1,000,000) in a space of 4 partitions, then the time of
 * `LocalGrid.start` (topic checks, schema registration, fencing, and the read_committed fold of every
 * partition log into its engine) in entries/s, against raw kafkajs consumption of the same topics in
 * the same run (one consumer, eachBatch, the same fetch sizes as the product, no decoding).
 *
 * The log is written by the product's own PartitionAppender and MutationCodec (WRITE mutations,
 * version 1, committed Kafka transactions of 1000 records, the default group-commit bound), so
 * the records are exactly what the grid writes; only the engine is skipped, to fill the log fast.
 * Two cases: the default warm-up (fetching in worker threads, folding on the main thread) and the
 * same with `warmUpInWorker: false` (everything on the main thread, as the baseline consumer does).
 * Usage: node --max-old-space-size=8192 dist/bench/warmup.js [N]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Session } from 'node:inspector/promises';
import { LocalGrid } from '../src/cluster/LocalGrid';
import { partitionOf } from '../src/cluster/partitionOf';
import { PartitionAppender } from '../src/log/PartitionAppender';
import { SchemaTopic } from '../src/log/SchemaTopic';
import { TopicAdmin } from '../src/log/TopicAdmin';
import { DEFAULT_SCAN_MAX_BYTES } from '../src/log/TopicScanner';
import type { Mutation } from '../src/space/Mutation';
import {
  BROKERS,
  kafkaClient,
  loadTypes,
  orderCodec,
  SCHEMAS,
  uniquePrefix,
  writeMutation,
} from './kafkaBench';
import { makeOrder, rng } from './orders';
import { emit, progress } from './report';

const N = Number(process.argv[2] ?? 1_000_000);
const PARTITIONS = 4;
const SPACE = 'orders';
const CHUNK = 500;
const MAX_PENDING_APPENDS = 64;
const prefix = uniquePrefix('warmup');
const kafka = kafkaClient('bench-warmup');
const admin = new TopicAdmin({ kafka, prefix });

/**
 * With BENCH_CPU_PROF=<file>, profiles the default warm-up only (the fill, the baseline and the
 * main-thread case are left out; the workers' own threads are not in the profile).
 */
async function profiled<T>(on: boolean, run: () => Promise<T>): Promise<T> {
  const file = process.env.BENCH_CPU_PROF;
  if (!file || !on) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    progress(`cpu profile of the warm-up written to ${file}`);
  }
}

/** CPU seconds (user + system) of this process since `from`: robust to other load on the machine. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
}

function gc(): void {
  (global as { gc?: () => void }).gc?.();
}

/** Fills the space's logs with N committed WRITE mutations through the product's appender. */
async function fill(): Promise<void> {
  const types = loadTypes();
  const topics = await admin.ensureSpace(SPACE, PARTITIONS);
  await new SchemaTopic({ kafka, topics: admin }).register([...types]);
  const codec = orderCodec(types);
  const appenders = topics.map(
    (_, partition) => new PartitionAppender({ kafka, prefix, space: SPACE, partition, codec }),
  );
  await Promise.all(appenders.map((a) => a.start()));
  const chunks: Mutation[][] = appenders.map(() => []);
  const pending = new Set<Promise<void>>();
  const append = async (partition: number): Promise<void> => {
    const chunk = chunks[partition]!;
    chunks[partition] = [];
    const p = appenders[partition]!.append(chunk);
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => undefined);
    if (pending.size >= MAX_PENDING_APPENDS) await Promise.race(pending);
  };
  const random = rng(5);
  const started = Date.now();
  for (let i = 0; i < N; i++) {
    const order = makeOrder(i, random);
    const partition = partitionOf(order.customerId, PARTITIONS);
    chunks[partition]!.push(writeMutation(order, 'bench-warmup'));
    if (chunks[partition]!.length >= CHUNK) await append(partition);
    if ((i + 1) % 200_000 === 0)
      progress(`produced ${i + 1} / ${N} (${Math.round((i + 1) / ((Date.now() - started) / 1000))}/s)`);
  }
  for (let k = 0; k < PARTITIONS; k++) if (chunks[k]!.length > 0) await append(k);
  await Promise.all(pending);
  await Promise.all(appenders.map((a) => a.close()));
  const stats = appenders.map((a) => a.stats);
  progress(
    `log filled: ${stats.reduce((n, s) => n + s.records, 0)} records in ${stats.reduce((n, s) => n + s.transactions, 0)} transactions, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

/** Raw kafkajs: one consumer reads every record of the space's topics to the end; seconds taken. */
async function rawConsume(): Promise<{ seconds: number; cpuSeconds: number }> {
  const topics = Array.from({ length: PARTITIONS }, (_, k) => `${prefix}.${SPACE}.${k}`);
  const consumer = kafka.consumer({
    groupId: `${prefix}-raw-${Date.now()}`,
    maxBytes: DEFAULT_SCAN_MAX_BYTES,
    maxBytesPerPartition: DEFAULT_SCAN_MAX_BYTES,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= N) done();
    },
  });
  await finished;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = cpuSince(cpu);
  await consumer.disconnect();
  return { seconds, cpuSeconds };
}

/** One timed `LocalGrid.start` over the filled log; emits its case. */
async function warmUp(inWorker: boolean, rawRate: number, rawSeconds: number, rawCpu: number): Promise<void> {
  progress(`LocalGrid.start (warm-up, fetching in ${inWorker ? 'worker threads' : 'the main thread'})`);
  let lastReport = 0;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const grid = await profiled(inWorker, () =>
    LocalGrid.start({
      space: SPACE,
      partitions: PARTITIONS,
      schemas: SCHEMAS,
      prefix,
      kafka: { brokers: BROKERS },
      warmUpInWorker: inWorker,
      onProgress: (partition, p) => {
        if (Date.now() - lastReport < 2000) return;
        lastReport = Date.now();
        progress(
          `partition ${partition}: ${p.records} records, ${p.percent.toFixed(0)}%, ${Math.round(p.recordsPerSecond)}/s`,
        );
      },
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = cpuSince(cpu);
  const entries = grid.status().reduce((n, s) => n + s.entries, 0);
  progress(`warm-up: ${seconds.toFixed(2)} s, ${entries} entries resident`);
  await grid.close();
  if (entries !== N) throw new Error(`warm-up holds ${entries} entries, expected ${N}`);
  emit({
    bench: 'warmup',
    case: `localgrid-start-${N}-orders-${PARTITIONS}-partitions${inWorker ? '' : '-main-thread-only'}`,
    value: Math.round(N / seconds),
    unit: 'entries/s',
    baseline: { name: 'raw kafkajs consumer (eachBatch, no decoding)', value: rawRate },
    seconds: Math.round(seconds * 1000) / 1000,
    baseline_seconds: Math.round(rawSeconds * 1000) / 1000,
    // CPU time of this process: the same comparison, less sensitive to other load on the machine.
    cpu_seconds: Math.round(cpuSeconds * 1000) / 1000,
    baseline_cpu_seconds: Math.round(rawCpu * 1000) / 1000,
    load_average_1m: Math.round(loadavg()[0]! * 100) / 100,
  });
}

async function main(): Promise<void> {
  progress(`brokers ${BROKERS.join(',')}, prefix ${prefix}, ${N} orders in ${PARTITIONS} partitions`);
  try {
    await fill();
    gc();
    progress('raw kafkajs consumption');
    const { seconds: rawSeconds, cpuSeconds: rawCpu } = await rawConsume();
    const rawRate = Math.round(N / rawSeconds);
    progress(`raw: ${rawSeconds.toFixed(2)} s, ${rawRate}/s`);
    for (const inWorker of [true, false]) {
      gc();
      await warmUp(inWorker, rawRate, rawSeconds, rawCpu);
    }
  } finally {
    progress('deleting topics');
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
