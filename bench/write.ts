/**
 * Write benchmark: sync writes of new Orders through an in-process grid (4 partitions) with 1, 16
 * and 256 concurrent writers (each awaits its write before the next), and one async case, against
 * raw kafkajs in the same run with the same records (the product's MutationCodec encoding of the same
 * Orders), the same acks (-1), the same idempotent producer and the same 4 topics:
 *  - `raw-send-per-write`: each writer awaits its own producer.send() of one record;
 *  - `raw-batching`: writers queue; per topic, one send() of everything queued per flight (group commit
 *    without transactions);
 *  - `raw-txn-batching` (256 writers): the same loop with one Kafka transaction per batch, a
 *    transactional producer per topic: the product's append shape without the engine;
 *  - `raw-txn-per-write` (1 writer): the writer awaits one Kafka transaction (AddPartitionsToTxn,
 *    Produce, EndTxn) per record on a transactional producer per topic, as the appender configures it:
 *    what a sync write from one writer costs Kafka, without the engine.
 * The 1-writer and 256-writer comparisons (the targets) run in BENCH_ROUNDS rounds (default 3) of the
 * grid and their baselines, back to back, and report medians (see roundsOf1 and roundsOf256).
 * Last, `sasl-ssl-sync-256-writers` (issue 18): the 256-writer grid on a SASL_SSL broker against the
 * same on a PLAINTEXT broker, two private one-broker clusters the bench starts and stops
 * (bench/write/secureCase; BENCH_ONLY=sasl-ssl-256 runs it alone; without Java it is skipped).
 * Usage: node dist/bench/write.js [measureSeconds=8] [warmupSeconds=2]
 */
import type { Message, Producer } from 'kafkajs';
import { LocalGrid } from '../src/cluster/LocalGrid';
import { partitionOf } from '../src/api/partitionOf';
import { APPENDER_RETRY } from '../src/log/append/PartitionAppenderOptions';
import { TopicAdmin } from '../src/log/admin/TopicAdmin';
import { partitionTopic } from '../src/log/admin/topicNames';
import type { ReplicationMode } from '../src/partition/ReplicationSink';
import {
  BROKERS,
  closedLoop,
  kafkaClient,
  loadTypes,
  orderCodec,
  SCHEMAS,
  uniquePrefix,
  writeMutation,
  type LoopResult,
} from './kafkaBench';
import { makeOrder, rng } from './orders';
import { emit, median, progress } from './report';
import { secureWriteCase } from './write/secureCase';

const MEASURE_MS = Number(process.argv[2] ?? 8) * 1000;
const WARMUP_MS = Number(process.argv[3] ?? 2) * 1000;
const PARTITIONS = 4;
const WRITER_COUNTS = [1, 16, 256] as const;
/** Rounds of the 256-writer comparison (BENCH_ROUNDS); odd, so a median is one of them. */
const RATIO_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const prefix = uniquePrefix('write');
const kafka = kafkaClient('bench-write');
const admin = new TopicAdmin({ kafka, prefix });
const codec = orderCodec(loadTypes());
const random = rng(11);

/** Order `n` of a run, its id unique to the case. */
function order(tag: string, n: number): Record<string, unknown> {
  return makeOrder(n, random, `${tag}-`);
}

async function gridCase(writers: number, replication: ReplicationMode, round = ''): Promise<LoopResult> {
  const space = `${replication}${writers}${round}`;
  progress(`grid ${replication}, ${writers} writers`);
  const grid = await LocalGrid.start({
    space,
    partitions: PARTITIONS,
    schemas: SCHEMAS,
    prefix,
    kafka: { brokers: BROKERS },
    replication,
  });
  try {
    return await closedLoop(writers, WARMUP_MS, MEASURE_MS, (_, n) =>
      grid.space.write('Order', order(space, n)),
    );
  } finally {
    await grid.close();
  }
}

/** One record of the raw baselines: the product's encoding of the same Order, to the same topic. */
function rawRecord(space: string, n: number): { topic: string; message: Message } {
  const state = order(space, n);
  const record = codec.encode(writeMutation(state, 'bench'));
  const topic = partitionTopic(prefix, space, partitionOf(state.customerId, PARTITIONS));
  return { topic, message: { key: record.key, value: record.value, headers: record.headers, partition: 0 } };
}

async function idempotentProducer(): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return producer;
}

async function rawSendPerWrite(writers: number, round = ''): Promise<LoopResult> {
  const space = `rawsend${writers}${round}`;
  progress(`raw kafkajs send per write, ${writers} writers`);
  await admin.ensureSpace(space, PARTITIONS);
  const producer = await idempotentProducer();
  try {
    return await closedLoop(writers, WARMUP_MS, MEASURE_MS, (_, n) => {
      const { topic, message } = rawRecord(space, n);
      return producer.send({ topic, acks: -1, messages: [message] });
    });
  } finally {
    await producer.disconnect();
  }
}

/** A transactional producer as the appender builds it (the same retry), connected. */
async function transactionalProducer(topic: string): Promise<Producer> {
  const producer = kafka.producer({
    transactionalId: `bench.${topic}`,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: APPENDER_RETRY,
  });
  await producer.connect();
  return producer;
}

/** One writer, one Kafka transaction per record: the floor of the grid's sync-1 case. */
async function rawTxnPerWrite(round = ''): Promise<LoopResult> {
  const space = `rawtxnone${round}`;
  progress('raw kafkajs transaction per write, 1 writer');
  const topics = await admin.ensureSpace(space, PARTITIONS);
  const producers = new Map<string, Producer>();
  for (const topic of topics) producers.set(topic, await transactionalProducer(topic));
  try {
    return await closedLoop(1, WARMUP_MS, MEASURE_MS, async (_, n) => {
      const { topic, message } = rawRecord(space, n);
      const txn = await producers.get(topic)!.transaction();
      await txn.send({ topic, acks: -1, messages: [message] });
      await txn.commit();
    });
  } finally {
    await Promise.all([...producers.values()].map((p) => p.disconnect()));
  }
}

interface Waiting {
  readonly message: Message;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Group commit in its simplest form: one batch in flight per topic, the next one forms meanwhile. */
class BatchingLoop {
  private queue: Waiting[] = [];
  private flying = false;

  constructor(private readonly send: (messages: Message[]) => Promise<unknown>) {}

  push(message: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.flying) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    if (this.flying || this.queue.length === 0) return;
    const batch = this.queue.splice(0, 1000);
    this.flying = true;
    this.send(batch.map((w) => w.message))
      .then(
        () => batch.forEach((w) => w.resolve()),
        (error: unknown) => batch.forEach((w) => w.reject(error)),
      )
      .finally(() => {
        this.flying = false;
        this.flush();
      });
  }
}

async function rawBatching(writers: number, transactional: boolean, round = ''): Promise<LoopResult> {
  const space = `raw${transactional ? 'txn' : 'batch'}${writers}${round}`;
  progress(`raw kafkajs ${transactional ? 'transactional ' : ''}batching, ${writers} writers`);
  const topics = await admin.ensureSpace(space, PARTITIONS);
  const producers: Producer[] = [];
  const loops = new Map<string, BatchingLoop>();
  for (const topic of topics) {
    if (transactional) {
      const producer = await transactionalProducer(topic);
      producers.push(producer);
      loops.set(
        topic,
        new BatchingLoop(async (messages) => {
          const txn = await producer.transaction();
          await txn.send({ topic, acks: -1, messages });
          await txn.commit();
        }),
      );
    } else {
      const producer = producers[0] ?? (await idempotentProducer());
      if (producers.length === 0) producers.push(producer);
      loops.set(topic, new BatchingLoop((messages) => producer.send({ topic, acks: -1, messages })));
    }
  }
  try {
    return await closedLoop(writers, WARMUP_MS, MEASURE_MS, (_, n) => {
      const { topic, message } = rawRecord(space, n);
      return loops.get(topic)!.push(message);
    });
  } finally {
    await Promise.all(producers.map((p) => p.disconnect()));
  }
}

/**
 * Prints a grid case against its baselines. `ratios` (the median of per-round ratios, when the case
 * ran in rounds) replaces the ratio of the two values.
 */
function emitCase(
  name: string,
  r: LoopResult,
  baselines: Record<string, LoopResult>,
  ratioAgainst: string,
  ratios: Record<string, number> = {},
): void {
  const base = baselines[ratioAgainst];
  emit({
    bench: 'write',
    case: name,
    value: r.opsPerSecond,
    unit: 'writes/s',
    ...(base ? { baseline: { name: ratioAgainst, value: base.opsPerSecond } } : {}),
    p50_ms: r.p50,
    p99_ms: r.p99,
    cpu_us_per_write: r.cpuUsPerOp,
    baselines: Object.fromEntries(
      Object.entries(baselines).map(([k, v]) => [
        k,
        {
          value: v.opsPerSecond,
          ratio: Math.round((ratios[k] ?? r.opsPerSecond / Math.max(v.opsPerSecond, 1)) * 1000) / 1000,
          p50_ms: v.p50,
          p99_ms: v.p99,
          cpu_us_per_write: v.cpuUsPerOp,
        },
      ]),
    ),
    ...(ratios[ratioAgainst] === undefined ? {} : { ratio: ratios[ratioAgainst], rounds: RATIO_ROUNDS }),
  });
}

/**
 * BENCH_ONLY=sync-256 (or async-N, raw-N, raw-txn-N, raw-send-N, raw-txn-per-write) runs only that
 * case (for profiling with node --cpu-prof, or A/B runs of a change); BENCH_ONLY=rounds-1 runs the
 * 1-writer comparison in its rounds, BENCH_ONLY=sasl-ssl-256 the SASL_SSL against PLAINTEXT one.
 */
async function only(name: string): Promise<void> {
  if (name === 'rounds-1') return roundsOf1();
  if (name === 'sasl-ssl-256') return secureWriteCase(secureOptions());
  const writers = Number(name.slice(name.lastIndexOf('-') + 1));
  const r =
    name === 'raw-txn-per-write'
      ? await rawTxnPerWrite()
      : name.startsWith('raw-txn-')
        ? await rawBatching(writers, true)
        : name.startsWith('raw-send-')
          ? await rawSendPerWrite(writers)
          : name.startsWith('raw-')
            ? await rawBatching(writers, false)
            : await gridCase(writers, name.startsWith('async-') ? 'async' : 'sync');
  emit({
    bench: 'write',
    case: name,
    value: r.opsPerSecond,
    unit: 'writes/s',
    p50_ms: r.p50,
    p99_ms: r.p99,
    cpu_us_per_write: r.cpuUsPerOp,
  });
}

function emitBaselines(baselines: Record<string, LoopResult>, writers: number): void {
  for (const [name, r] of Object.entries(baselines))
    emit({
      bench: 'write',
      case: `${name}-${writers}-writers`,
      value: r.opsPerSecond,
      unit: 'writes/s',
      p50_ms: r.p50,
      p99_ms: r.p99,
    });
}

/** Each figure of a case the median of its rounds. */
function medianOf(results: readonly LoopResult[]): LoopResult {
  const of = (pick: (r: LoopResult) => number): number => median(results.map(pick));
  return {
    opsPerSecond: of((r) => r.opsPerSecond),
    p50: of((r) => r.p50),
    p99: of((r) => r.p99),
    ops: of((r) => r.ops),
    cpuUsPerOp: of((r) => r.cpuUsPerOp),
  };
}

/** The median over rounds of the grid's rate divided by a baseline's in the same round. */
function ratioTo(grid: readonly LoopResult[], baseline: readonly LoopResult[]): number {
  return median(grid.map((g, i) => g.opsPerSecond / Math.max(baseline[i]?.opsPerSecond ?? 1, 1)));
}

/**
 * The 1-writer case (target: >= 0.3 x an idempotent send per write) runs in RATIO_ROUNDS rounds of
 * grid, raw send per write, raw batching and raw transaction per write back to back, each round on
 * fresh topics; figures and ratios are medians as in roundsOf256.
 */
async function roundsOf1(): Promise<void> {
  const grid: LoopResult[] = [];
  const send: LoopResult[] = [];
  const batching: LoopResult[] = [];
  const txn: LoopResult[] = [];
  for (let round = 0; round < RATIO_ROUNDS; round++) {
    progress(`1 writer, round ${round + 1} of ${RATIO_ROUNDS}`);
    grid.push(await gridCase(1, 'sync', `r${round}`));
    send.push(await rawSendPerWrite(1, `r${round}`));
    batching.push(await rawBatching(1, false, `r${round}`));
    txn.push(await rawTxnPerWrite(`r${round}`));
    const rates = [grid, send, batching, txn].map((results) => results[round]?.opsPerSecond ?? 0);
    progress(
      `round ${round + 1}: grid ${rates[0]}, raw send ${rates[1]}, raw batching ${rates[2]}, raw txn per write ${rates[3]} writes/s`,
    );
  }
  const baselines: Record<string, LoopResult> = {
    'raw-send-per-write': medianOf(send),
    'raw-batching': medianOf(batching),
    'raw-txn-per-write': medianOf(txn),
  };
  emitCase('sync-1-writers', medianOf(grid), baselines, 'raw-batching', {
    'raw-send-per-write': ratioTo(grid, send),
    'raw-batching': ratioTo(grid, batching),
    'raw-txn-per-write': ratioTo(grid, txn),
  });
  emitBaselines(baselines, 1);
}

/**
 * The target case (256 writers) runs in RATIO_ROUNDS rounds of grid, raw batching and raw
 * transactional batching back to back, each round on fresh topics, so a slow spell of the shared
 * machine lands on a round of all three rather than on one of them; each figure is the median of its
 * rounds and each ratio the median of the per-round ratios. The send-per-write baseline runs once.
 */
async function roundsOf256(): Promise<void> {
  const writers = 256;
  const grid: LoopResult[] = [];
  const raw: LoopResult[] = [];
  const rawTxn: LoopResult[] = [];
  for (let round = 0; round < RATIO_ROUNDS; round++) {
    progress(`256 writers, round ${round + 1} of ${RATIO_ROUNDS}`);
    grid.push(await gridCase(writers, 'sync', `r${round}`));
    raw.push(await rawBatching(writers, false, `r${round}`));
    rawTxn.push(await rawBatching(writers, true, `r${round}`));
    const rates = [grid, raw, rawTxn].map((results) => results[round]?.opsPerSecond ?? 0);
    progress(
      `round ${round + 1}: grid ${rates[0]}, raw batching ${rates[1]}, raw txn batching ${rates[2]} writes/s`,
    );
  }
  const baselines: Record<string, LoopResult> = {
    'raw-send-per-write': await rawSendPerWrite(writers),
    'raw-batching': medianOf(raw),
    'raw-txn-batching': medianOf(rawTxn),
  };
  emitCase(`sync-${writers}-writers`, medianOf(grid), baselines, 'raw-batching', {
    'raw-batching': ratioTo(grid, raw),
    'raw-txn-batching': ratioTo(grid, rawTxn),
  });
  emitBaselines(baselines, writers);
}

/**
 * The SASL_SSL case: BENCH_ROUNDS rounds, default 5 (its single rounds ranged 0.49-1.82 on the shared
 * machine, three are too few), same warm-up and measure as the other cases.
 */
function secureOptions(): { rounds: number; warmupMs: number; measureMs: number } {
  return { rounds: Number(process.env.BENCH_ROUNDS ?? 5) || 5, warmupMs: WARMUP_MS, measureMs: MEASURE_MS };
}

async function main(): Promise<void> {
  progress(`brokers ${BROKERS.join(',')}, prefix ${prefix}, ${MEASURE_MS / 1000} s per case`);
  try {
    if (process.env.BENCH_ONLY) return await only(process.env.BENCH_ONLY);
    for (const writers of WRITER_COUNTS) {
      if (writers === 256) {
        await roundsOf256();
        continue;
      }
      if (writers === 1) {
        await roundsOf1();
        continue;
      }
      const grid = await gridCase(writers, 'sync');
      const baselines: Record<string, LoopResult> = {
        'raw-send-per-write': await rawSendPerWrite(writers),
        'raw-batching': await rawBatching(writers, false),
      };
      emitCase(`sync-${writers}-writers`, grid, baselines, 'raw-batching');
      emitBaselines(baselines, writers);
    }
    const asyncCase = await gridCase(256, 'async');
    emit({
      bench: 'write',
      case: 'async-256-writers',
      value: asyncCase.opsPerSecond,
      unit: 'writes/s',
      p50_ms: asyncCase.p50,
      p99_ms: asyncCase.p99,
    });
    // Two private brokers of its own: a machine without Java or the jars still gets the cases above.
    await secureWriteCase(secureOptions()).catch((e: unknown) =>
      progress(`sasl-ssl-sync-256-writers skipped: ${String(e)}`),
    );
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
