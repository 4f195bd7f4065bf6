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
 *
 * Then a compacted log: a second space with the same N Orders, each updated UPDATES times (default 10,
 * so the log held 11 records per live entry), on the topic settings Spacelog ships; the bench waits
 * until Kafka's cleaner has compacted it (progress on stderr), then times a warm-up of it against the
 * warm-up of the live-only log above (target: at most 1.5 x its time) and against raw kafkajs
 * consumption of the compacted topics (target: at least 0.5 x its rate).
 * Usage: node --max-old-space-size=8192 dist/bench/warmup.js [N] [UPDATES]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Session } from 'node:inspector/promises';
import { LocalGrid } from '../src/cluster/LocalGrid';
import { partitionOf } from '../src/api/partitionOf';
import { PartitionAppender } from '../src/log/append/PartitionAppender';
import { SchemaTopic } from '../src/log/read/SchemaTopic';
import { TopicAdmin } from '../src/log/admin/TopicAdmin';
import { DEFAULT_SCAN_MAX_BYTES } from '../src/log/read/TopicScanner';
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
const UPDATES = Number(process.argv[3] ?? 10);
const PARTITIONS = 4;
const SPACE = 'orders';
const HISTORY_SPACE = 'history';
/** The cleaner has done its work once the compacted log holds at most this many records per live entry. */
const COMPACTED_RECORDS_PER_ENTRY = 1.3;
/** How long the bench gives the cleaner before it measures whatever the log holds. */
const CLEANER_WAIT_MS = 15 * 60_000;
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

/**
 * Fills the space's logs with N committed WRITE mutations through the product's appender, then
 * `updates` rounds of an UPDATE of every one (versions 2, 3, ...).
 */
async function fill(space: string, updates: number): Promise<void> {
  const types = loadTypes();
  const topics = await admin.ensureSpace(space, PARTITIONS);
  await new SchemaTopic({ kafka, topics: admin }).register([...types]);
  const codec = orderCodec(types);
  const appenders = topics.map(
    (_, partition) => new PartitionAppender({ kafka, prefix, space, partition, codec }),
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
  const started = Date.now();
  const total = N * (1 + updates);
  let produced = 0;
  for (let version = 1; version <= 1 + updates; version++) {
    const random = rng(5);
    for (let i = 0; i < N; i++) {
      const order = makeOrder(i, random);
      const partition = partitionOf(order.customerId, PARTITIONS);
      const write = writeMutation(
        version === 1 ? order : { ...order, total: Number(order.total) + version },
        'bench-warmup',
      );
      chunks[partition]!.push(version === 1 ? write : { ...write, op: 'UPDATE', version });
      if (chunks[partition]!.length >= CHUNK) await append(partition);
      if (++produced % 500_000 === 0)
        progress(
          `${space}: produced ${produced} / ${total} (${Math.round(produced / ((Date.now() - started) / 1000))}/s)`,
        );
    }
  }
  for (let k = 0; k < PARTITIONS; k++) if (chunks[k]!.length > 0) await append(k);
  await Promise.all(pending);
  await Promise.all(appenders.map((a) => a.close()));
  const stats = appenders.map((a) => a.stats);
  progress(
    `log filled: ${stats.reduce((n, s) => n + s.records, 0)} records in ${stats.reduce((n, s) => n + s.transactions, 0)} transactions, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

/** Raw kafkajs: one consumer reads every record of the space's topics to the end; seconds and records. */
async function rawConsume(space: string): Promise<{ seconds: number; cpuSeconds: number; records: number }> {
  const topics = Array.from({ length: PARTITIONS }, (_, k) => `${prefix}.${space}.${k}`);
  // The end of each log now: a compacted log has fewer records than offsets, so read to the end offsets.
  const raw = kafka.admin();
  await raw.connect();
  const ends = new Map<string, number>();
  for (const topic of topics) ends.set(topic, Number((await raw.fetchTopicOffsets(topic))[0]?.high ?? 0));
  await raw.disconnect();
  const unfinished = new Set(topics.filter((t) => (ends.get(t) ?? 0) > 0));
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
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (Number(payload.lastOffset) + 1 >= (ends.get(payload.topic) ?? 0)) unfinished.delete(payload.topic);
    if (unfinished.size === 0) done();
  });
  if (unfinished.size === 0) done();
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
    },
  });
  await finished;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = cpuSince(cpu);
  await consumer.disconnect();
  return { seconds, cpuSeconds, records: seen };
}

/** Waits until Kafka's cleaner has compacted the history space (or the wait is over); records left. */
async function awaitCompaction(space: string): Promise<number> {
  const deadline = Date.now() + CLEANER_WAIT_MS;
  let records = Infinity;
  for (;;) {
    records = (await rawConsume(space)).records;
    progress(`${space}: ${records} records for ${N} live entries (${(records / N).toFixed(2)} per entry)`);
    if (records <= N * COMPACTED_RECORDS_PER_ENTRY || Date.now() > deadline) return records;
    await new Promise((r) => setTimeout(r, 15_000));
  }
}

/** One timed `LocalGrid.start` over the filled log; emits its case. */
async function warmUp(space: string, inWorker: boolean): Promise<{ seconds: number; cpuSeconds: number }> {
  progress(`LocalGrid.start (warm-up, fetching in ${inWorker ? 'worker threads' : 'the main thread'})`);
  let lastReport = 0;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const grid = await profiled(inWorker, () =>
    LocalGrid.start({
      space,
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
  return { seconds, cpuSeconds };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  progress(`brokers ${BROKERS.join(',')}, prefix ${prefix}, ${N} orders in ${PARTITIONS} partitions`);
  try {
    await fill(SPACE, 0);
    gc();
    progress('raw kafkajs consumption');
    const { seconds: rawSeconds, cpuSeconds: rawCpu } = await rawConsume(SPACE);
    const rawRate = Math.round(N / rawSeconds);
    progress(`raw: ${rawSeconds.toFixed(2)} s, ${rawRate}/s`);
    let liveSeconds = 0;
    for (const inWorker of [true, false]) {
      gc();
      const { seconds, cpuSeconds } = await warmUp(SPACE, inWorker);
      if (inWorker) liveSeconds = seconds;
      emit({
        bench: 'warmup',
        case: `localgrid-start-${N}-orders-${PARTITIONS}-partitions${inWorker ? '' : '-main-thread-only'}`,
        value: Math.round(N / seconds),
        unit: 'entries/s',
        baseline: { name: 'raw kafkajs consumer (eachBatch, no decoding)', value: rawRate },
        seconds: round3(seconds),
        baseline_seconds: round3(rawSeconds),
        // CPU time of this process: the same comparison, less sensitive to other load on the machine.
        cpu_seconds: round3(cpuSeconds),
        baseline_cpu_seconds: round3(rawCpu),
        load_average_1m: Math.round(loadavg()[0]! * 100) / 100,
      });
    }
    if (UPDATES > 0) await compactedCases(liveSeconds);
  } finally {
    progress('deleting topics');
    await admin.deleteAll().catch((e: unknown) => progress(`could not delete topics: ${String(e)}`));
    await admin.close();
  }
}

/** The compacted-log cases: N live entries whose log held 1 + UPDATES records each. */
async function compactedCases(liveSeconds: number): Promise<void> {
  await fill(HISTORY_SPACE, UPDATES);
  const left = await awaitCompaction(HISTORY_SPACE);
  gc();
  const raw = await rawConsume(HISTORY_SPACE);
  gc();
  const { seconds, cpuSeconds } = await warmUp(HISTORY_SPACE, true);
  const name = `localgrid-start-${N}-orders-${UPDATES}-updates-compacted`;
  const common = {
    bench: 'warmup',
    value: Math.round(N / seconds),
    unit: 'entries/s',
    seconds: round3(seconds),
    cpu_seconds: round3(cpuSeconds),
    records_read: left,
    records_appended: N * (1 + UPDATES),
    load_average_1m: Math.round(loadavg()[0]! * 100) / 100,
  };
  // Target: time <= 1.5 x the live-only warm-up, i.e. this ratio >= 0.667.
  emit({
    ...common,
    case: `${name}-vs-live-only-log`,
    baseline: {
      name: `warm-up of a log holding only the ${N} live entries`,
      value: Math.round(N / liveSeconds),
    },
    baseline_seconds: round3(liveSeconds),
  });
  // Target: >= 0.5 x raw consumption of the same compacted topics (by records read per second).
  emit({
    ...common,
    case: `${name}-vs-raw`,
    value: Math.round(left / seconds),
    unit: 'records/s',
    baseline: {
      name: 'raw kafkajs consumer of the compacted topics',
      value: Math.round(raw.records / raw.seconds),
    },
    baseline_seconds: round3(raw.seconds),
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
