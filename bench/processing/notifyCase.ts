/**
 * Case 4: notify container end-to-end latency on a one-process grid: from a write's acknowledgement
 * to the handler's call with its event, under new Orders offered open-loop (paced writers) at each
 * rate. Reported for the container's defaults (batchSize 100, batchTimeMs 50) and with
 * `batchTimeMs: 0` (a batch goes as soon as an event is there). Reference in the same run: a raw
 * read_committed kafkajs consumer of the same topics (ack -> record readable).
 */
import type { Consumer } from 'kafkajs';
import { LocalGrid } from '../../src/cluster/LocalGrid';
import type { NotifyContainer } from '../../src/events/NotifyContainer';
import { partitionTopic } from '../../src/log/admin/topicNames';
import { BROKERS, kafkaClient, sleep } from '../kafkaBench';
import { makeOrder, rng } from '../orders';
import { emit, percentile, progress } from '../report';
import { benchTypes, loadAverage, PARTITIONS } from './common';

const RATES = (process.env.BENCH_NOTIFY_RATES ?? '1000,10000').split(',').map(Number);
const MEASURE_MS = Number(process.env.BENCH_NOTIFY_MS ?? 8000) || 8000;
const WARMUP_MS = 1000;
/** Writes in flight at most (the pacer waits beyond it: the achieved rate then falls short). */
const MAX_IN_FLIGHT = 4096;
const CONFIGS = [
  { name: 'defaults', options: {} },
  { name: 'batchTimeMs-0', options: { batchTimeMs: 0 } },
] as const;

/** Matches acknowledgements with arrivals, whichever comes first (an arrival may beat its ack). */
class Arrivals {
  private readonly acked = new Map<string, number>();
  private readonly early = new Map<string, number>();
  readonly latencies: number[] = [];
  /** Arrivals that came before the write's acknowledgement was seen (counted as 0 ms). */
  beforeAck = 0;

  ack(id: string, at: number): void {
    const arrived = this.early.get(id);
    if (arrived === undefined) {
      this.acked.set(id, at);
      return;
    }
    this.early.delete(id);
    this.latencies.push(Math.max(0, arrived - at));
    if (arrived < at) this.beforeAck++;
  }

  arrive(id: string, at: number): void {
    const acked = this.acked.get(id);
    if (acked === undefined) {
      this.early.set(id, at);
      return;
    }
    this.acked.delete(id);
    this.latencies.push(at - acked);
  }

  get pending(): number {
    return this.acked.size;
  }
}

async function rawConsumer(
  prefix: string,
  space: string,
  arrivals: () => Arrivals | undefined,
): Promise<Consumer> {
  const consumer = kafkaClient('bench-processing-raw').consumer({
    groupId: `${prefix}-raw`,
    maxWaitTimeInMs: 10,
  });
  await consumer.connect();
  await consumer.subscribe({
    topics: Array.from({ length: PARTITIONS }, (_, k) => partitionTopic(prefix, space, k)),
    fromBeginning: false,
  });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const now = performance.now();
      const into = arrivals();
      if (into === undefined) return;
      for (const m of batch.messages) {
        const key = m.key?.toString('utf8') ?? '';
        if (key.startsWith('Order/')) into.arrive(key.slice('Order/'.length), now);
      }
    },
  });
  return consumer;
}

async function containerRunning(container: NotifyContainer): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = container.status();
    if (
      status.length === PARTITIONS &&
      status.every((p) => p.state === 'running' && p.position !== undefined)
    )
      return;
    if (Date.now() > deadline) throw new Error(`notify container not running: ${JSON.stringify(status)}`);
    await sleep(20);
  }
}

export async function notifyCase(prefix: string): Promise<void> {
  const space = 'notify';
  const grid = await LocalGrid.start({
    space,
    partitions: PARTITIONS,
    schemas: benchTypes(),
    prefix,
    kafka: { brokers: BROKERS },
  });
  let raw: Arrivals | undefined;
  let consumer: Consumer | undefined;
  try {
    progress('notify: joining the raw reference consumer');
    consumer = await rawConsumer(prefix, space, () => raw);
    await sleep(3000); // its group settles (a join and an assignment) before the first run
    for (const rate of RATES) {
      for (const config of CONFIGS) {
        const tag = `n${rate}${config.name === 'defaults' ? 'd' : 'z'}`;
        const ours = new Arrivals();
        raw = new Arrivals();
        // Time between the end of a handler call and the start of the next on the same partition:
        // with events waiting, what the container does between two batches (the position store).
        const lastEnd = new Map<number, number>();
        const gaps: number[] = [];
        let calls = 0;
        const container = grid.notifyContainer({
          name: `bench-${tag}`,
          type: 'Order',
          ops: ['WRITE'],
          startAt: 'latest',
          ...config.options,
          handler: async (events, { partition }) => {
            const now = performance.now();
            const previous = lastEnd.get(partition);
            if (previous !== undefined) gaps.push(now - previous);
            calls++;
            for (const e of events) ours.arrive(e.entryId, now);
            lastEnd.set(partition, performance.now());
          },
        });
        await containerRunning(container);
        progress(`notify ${config.name}: offering ${rate} writes/s for ${(WARMUP_MS + MEASURE_MS) / 1000} s`);
        const offered = await offer(grid, rate, tag, ours, raw);
        // Every measured write's event reaches the handler (or 30 s pass: then the figures say so).
        const deadline = Date.now() + 30_000;
        while (ours.pending > 0 && Date.now() < deadline) await sleep(20);
        await container.stop();
        emit({
          bench: 'processing',
          case: `notify-container-ack-to-handler-offered-${rate}-writes-per-s-${config.name}`,
          value: percentile(ours.latencies, 99),
          unit: 'ms (p99, write acknowledged -> handler called)',
          p50_ms: percentile(ours.latencies, 50),
          p99_ms: percentile(ours.latencies, 99),
          baseline: {
            name: 'raw read_committed kafkajs consumer: ack -> record readable (p99 ms)',
            value: percentile(raw.latencies, 99),
          },
          baseline_p50_ms: percentile(raw.latencies, 50),
          offered_writes_per_s: rate,
          achieved_writes_per_s: offered.achieved,
          write_ack_p50_ms: percentile(offered.acks, 50),
          write_ack_p99_ms: percentile(offered.acks, 99),
          samples: ours.latencies.length,
          handler_calls: calls,
          events_per_call: Math.round((ours.latencies.length / Math.max(1, calls)) * 10) / 10,
          gap_between_calls_p50_ms: percentile(gaps, 50),
          gap_between_calls_p99_ms: percentile(gaps, 99),
          missing: ours.pending,
          before_ack: ours.beforeAck,
          errors: offered.errors,
          container_options: { batchSize: 100, batchTimeMs: 50, ...config.options },
          load_average_1m: loadAverage(),
        });
      }
    }
  } finally {
    await consumer?.disconnect();
    await grid.close();
  }
}

/** Offers new Orders open-loop at `rate` for warm-up + measure; measured writes are those of the measure. */
async function offer(
  grid: LocalGrid,
  rate: number,
  tag: string,
  ours: Arrivals,
  raw: Arrivals,
): Promise<{ achieved: number; acks: number[]; errors: number }> {
  const random = rng(31);
  const acks: number[] = [];
  let n = 0;
  let inFlight = 0;
  let measuredDone = 0;
  let errors = 0;
  const started = performance.now();
  const measureFrom = started + WARMUP_MS;
  const end = measureFrom + MEASURE_MS;
  for (let now = started; now < end; now = performance.now()) {
    const due = Math.floor(((now - started) / 1000) * rate);
    while (n < due && inFlight < MAX_IN_FLIGHT) {
      const i = n++;
      const sent = performance.now();
      const measured = sent >= measureFrom;
      inFlight++;
      grid.space
        .write('Order', makeOrder(i, random, `${tag}-`))
        .then(
          (result) => {
            const at = performance.now();
            if (!measured) return;
            acks.push(at - sent);
            measuredDone++;
            ours.ack(result.id, at);
            raw.ack(result.id, at);
          },
          () => errors++,
        )
        .finally(() => inFlight--);
    }
    await sleep(1);
  }
  while (inFlight > 0) await sleep(5);
  return { achieved: Math.round(measuredDone / (MEASURE_MS / 1000)), acks, errors };
}
