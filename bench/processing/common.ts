/**
 * Shared pieces of the processing-grid benchmark (bench/processing.ts): the entry types (the example
 * Order, its `OrderDeadLetter` and a `Receipt` routed like the Order), key sets, timing helpers.
 */
import * as os from 'node:os';
import { partitionOf } from '../../src/api/partitionOf';
import { deadLetterSchema } from '../../src/events/deadLetter';
import { EntryType } from '../../src/schema/EntryType';
import type { TypeRegistry } from '../../src/schema/TypeRegistry';
import { loadTypes } from '../kafkaBench';
import { percentile } from '../report';

export const PARTITIONS = 4;
/** The processing unit's space (cases 2 and 3), its resident Orders and its trivial task. */
export const UNIT_SPACE = 'unit';
export const RESIDENT = 10_000;
export const PING_TASK = 'ping';
/** Rounds of each interleaved comparison (BENCH_ROUNDS); odd, so a median is one of them. */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5) || 5;

/**
 * What a polling handler writes per Order: a Receipt routed by the Order's customerId, so it lands in
 * the Order's partition (a container's transaction spans that partition only).
 */
const RECEIPT_SCHEMA = {
  type: 'record',
  name: 'Receipt',
  namespace: 'spacelog.bench',
  spacelog: { id: 'id', routing: 'customerId', indexes: [] },
  fields: [
    { name: 'id', type: 'string' },
    { name: 'customerId', type: 'string' },
    { name: 'orderId', type: 'string' },
    { name: 'amount', type: 'double' },
  ],
};

/** The example types plus `OrderDeadLetter` (which a polling container over Order requires) and `Receipt`. */
export function benchTypes(): TypeRegistry {
  const types = loadTypes();
  types.register(EntryType.fromSchema(deadLetterSchema('Order')), '<bench>');
  types.register(EntryType.fromSchema(RECEIPT_SCHEMA), '<bench>');
  return types;
}

/** The receipt of a taken Order. */
export function receiptOf(order: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    id: `r-${String(order.id)}`,
    customerId: order.customerId,
    orderId: order.id,
    amount: order.total,
  };
}

/** A customer id (`c-<n>`) whose orders land on `partition`. */
export function customerOn(partition: number, from = 0): string {
  for (let c = from; ; c++) if (partitionOf(`c-${c}`, PARTITIONS) === partition) return `c-${c}`;
}

/** Ids, routing values and partitions of `count` random picks among `resident` orders `o-<i>`. */
export interface ReadKeys {
  readonly ids: string[];
  readonly routings: string[];
  readonly partitions: number[];
}

export function readKeys(resident: number, count: number, random: () => number): ReadKeys {
  const ids: string[] = [];
  const routings: string[] = [];
  const partitions: number[] = [];
  for (let n = 0; n < count; n++) {
    const i = Math.floor(random() * resident);
    ids.push(`o-${i}`);
    routings.push(`c-${i >> 2}`); // makeOrder: four consecutive orders share a customer
    partitions.push(partitionOf(`c-${i >> 2}`, PARTITIONS));
  }
  return { ids, routings, partitions };
}

/** Throughput and latency of a timed run. */
export interface Timed {
  readonly opsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly ops: number;
}

/**
 * Runs `op(n)` one call at a time (each awaited before the next) for `ms`, every call timed.
 * A sequential loop measures what one call costs, with nothing to hide it behind.
 */
export async function sequential(ms: number, op: (n: number) => Promise<unknown>): Promise<Timed> {
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + ms;
  let n = 0;
  for (let now = started; now < end;) {
    await op(n++);
    const after = performance.now();
    latencies.push(after - now);
    now = after;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    opsPerSecond: Math.round(n / seconds),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ops: n,
  };
}

/** Calls per batch of `inProcess`, between two turns of the event loop. */
const IN_PROCESS_BATCH = 256;

/**
 * Like `sequential` for calls that answer in-process in well under a microsecond: timed per batch
 * of 256 (a clock read per call would cost a fifth of the call), with a turn of the event loop
 * between batches. Without that turn, a loop of promises that are already resolved runs entirely in
 * microtasks and starves the process's I/O: the unit's group heartbeats stop, and after the session
 * timeout the unit rightly refuses to serve (it may be a zombie). A real unit interleaves I/O too.
 * p50 / p99 are of the per-call time within a batch.
 */
export async function inProcess(ms: number, op: (n: number) => Promise<unknown>): Promise<Timed> {
  const perCall: number[] = [];
  const started = performance.now();
  const end = started + ms;
  let n = 0;
  let busy = 0;
  while (performance.now() < end) {
    const t = performance.now();
    for (let b = 0; b < IN_PROCESS_BATCH; b++) await op(n++);
    const spent = performance.now() - t;
    busy += spent;
    perCall.push(spent / IN_PROCESS_BATCH);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return {
    // Calls per second of time spent calling (the event-loop turns between batches left out).
    opsPerSecond: Math.round(n / (busy / 1000)),
    p50: percentile(perCall, 50),
    p99: percentile(perCall, 99),
    ops: n,
  };
}

/** One round of case 3: both calls' figures. */
export interface ExecuteRound {
  readonly read: Timed;
  readonly execute: Timed;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function loadAverage(): number {
  return round3(os.loadavg()[0] ?? 0);
}
