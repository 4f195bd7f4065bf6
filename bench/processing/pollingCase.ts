/**
 * Case 1: polling container throughput on a one-process grid against a hand-written loop doing the
 * same work on the same engine (`space.transaction`: take one NEW Order of a partition, write its
 * Receipt), with the same number of loops per partition. Each round fills N Orders, then times how
 * long the side takes to drain them (until the N-th Receipt is committed); container and hand loop
 * alternate, each round on fresh ids.
 */
import { LocalGrid } from '../../src/cluster/LocalGrid';
import type { Entry } from '../../src/schema/Entry';
import { BROKERS } from '../kafkaBench';
import { makeOrder, rng } from '../orders';
import { emit, median, progress } from '../report';
import { benchTypes, customerOn, loadAverage, PARTITIONS, receiptOf, round3, ROUNDS } from './common';

/** Orders drained per round and side. */
const ORDERS = Number(process.env.BENCH_POLLING_ORDERS ?? 15_000) || 15_000;
/** Loops (transactions in flight) per partition, on both sides. */
const CONCURRENCY = Number(process.env.BENCH_POLLING_CONCURRENCY ?? 16) || 16;
const NEW = { template: { status: 'NEW' } } as const;

interface Drain {
  readonly entriesPerSecond: number;
  readonly seconds: number;
}

/** Writes `count` NEW Orders with ids `<tag>-<i>`, 256 in flight. */
async function fill(grid: LocalGrid, tag: string, count: number): Promise<void> {
  const random = rng(23);
  for (let i = 0; i < count; i += 256) {
    const writes: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(count, i + 256); j++)
      writes.push(grid.space.write('Order', { ...makeOrder(j, random, `${tag}-`), status: 'NEW' }));
    await Promise.all(writes);
  }
}

/** Resolves when `count` Receipts of ids starting with `r-<tag>-` were committed. */
async function receiptsCommitted(grid: LocalGrid, tag: string, count: number): Promise<() => void> {
  let seen = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const prefix = `r-${tag}-`;
  const stop = await grid.space.subscribe(
    'Receipt',
    { template: {} },
    (event) => {
      if (event.id.startsWith(prefix) && ++seen === count) done();
    },
    { ops: ['WRITE'] },
  );
  return async () => {
    await all;
    stop();
  };
}

async function drainWithContainer(grid: LocalGrid, tag: string, count: number): Promise<Drain> {
  const waitAll = await receiptsCommitted(grid, tag, count);
  const started = performance.now();
  const container = grid.pollingContainer({
    name: `bench-${tag}`,
    type: 'Order',
    template: NEW.template,
    concurrency: CONCURRENCY,
    batchSize: 1,
    handler: async (order: Entry, tx) => {
      await tx.write('Receipt', receiptOf(order));
    },
    onError: (error) => progress(`polling container error: ${String(error)}`),
  });
  await waitAll();
  const seconds = (performance.now() - started) / 1000;
  await container.stop();
  return { entriesPerSecond: Math.round(count / seconds), seconds };
}

async function drainByHand(grid: LocalGrid, tag: string, count: number): Promise<Drain> {
  const waitAll = await receiptsCommitted(grid, tag, count);
  const started = performance.now();
  // One loop = one transaction at a time on one partition (a routing value of that partition).
  const loop = async (routing: string): Promise<void> => {
    for (;;) {
      const took = await grid.space.transaction(async (tx) => {
        const order = await tx.take('Order', NEW, { routing });
        if (order === null) return false;
        await tx.write('Receipt', receiptOf(order));
        return true;
      });
      if (!took) return;
    }
  };
  const loops: Promise<void>[] = [];
  for (let k = 0; k < PARTITIONS; k++) {
    const routing = customerOn(k);
    for (let c = 0; c < CONCURRENCY; c++) loops.push(loop(routing));
  }
  await Promise.all(loops);
  await waitAll();
  const seconds = (performance.now() - started) / 1000;
  return { entriesPerSecond: Math.round(count / seconds), seconds };
}

export async function pollingCase(prefix: string): Promise<void> {
  progress(`polling: ${ORDERS} Orders per round, ${CONCURRENCY} loops per partition, ${ROUNDS} rounds`);
  const grid = await LocalGrid.start({
    space: 'polling',
    partitions: PARTITIONS,
    schemas: benchTypes(),
    prefix,
    kafka: { brokers: BROKERS },
  });
  const container: Drain[] = [];
  const byHand: Drain[] = [];
  try {
    // Warm-up: a small drain of each side, unmeasured (JIT, producers, first transactions).
    progress('polling warm-up');
    await fill(grid, 'wc', 2000);
    await drainWithContainer(grid, 'wc', 2000);
    await fill(grid, 'wh', 2000);
    await drainByHand(grid, 'wh', 2000);
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which side goes first, so neither always runs on a warmer process.
      const order = round % 2 === 0 ? (['container', 'hand'] as const) : (['hand', 'container'] as const);
      for (const side of order) {
        const tag = `${side === 'container' ? 'c' : 'h'}${round}`;
        await fill(grid, tag, ORDERS);
        global.gc?.();
        const drain =
          side === 'container'
            ? await drainWithContainer(grid, tag, ORDERS)
            : await drainByHand(grid, tag, ORDERS);
        (side === 'container' ? container : byHand).push(drain);
        progress(`polling round ${round + 1} ${side}: ${drain.entriesPerSecond} entries/s`);
      }
    }
  } finally {
    await grid.close();
  }
  const ratios = container.map((c, i) => c.entriesPerSecond / Math.max(1, byHand[i]?.entriesPerSecond ?? 1));
  emit({
    bench: 'processing',
    case: `polling-container-take-write-commit-${CONCURRENCY}-per-partition`,
    value: median(container.map((d) => d.entriesPerSecond)),
    unit: 'entries/s',
    baseline: {
      name: `hand-written space.transaction loop (take one, write one), ${CONCURRENCY} per partition`,
      value: median(byHand.map((d) => d.entriesPerSecond)),
    },
    ratio: round3(median(ratios)),
    rounds: ROUNDS,
    per_round: container.map((c, i) => ({
      container: c.entriesPerSecond,
      hand: byHand[i]?.entriesPerSecond,
      ratio: round3(ratios[i] ?? 0),
    })),
    orders_per_round: ORDERS,
    partitions: PARTITIONS,
    concurrency_per_partition: CONCURRENCY,
    batch_size: 1,
    load_average_1m: loadAverage(),
  });
}
