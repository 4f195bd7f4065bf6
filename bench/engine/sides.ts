/**
 * What the engine benchmark's two sides share: the orchestrator (bench/engine.ts) asks a side process
 * to run one case over one round's slice of the keys, and the side answers what it measured. Each side
 * holds only its own 1,000,000 entries: in one process the baseline Map and the engine would share a
 * heap twice the size the figures are about, and each side's GC would mark the other's data.
 */
import { deepFreeze } from '../../src/space/deepFreeze';
import { makeOrder, rng } from '../orders';

/** Rounds every interleaved case runs in (an odd count: the median is one of them). */
export const ROUNDS = 5;

/** Writes through the engine's asynchronous facade, and takes handed to a waiting taker, per run. */
export const ONE_SHOT_OPS = 100_000;

/** The orchestrator's request: run `name` on round `round`'s slice (rounds are ignored by one-shot cases). */
export interface CaseRequest {
  readonly name: string;
  readonly round: number;
}

/** What a case reports beyond its timing: operations done, per-operation latencies, extra figures. */
export interface CaseOutcome {
  readonly ops: number;
  readonly latencies?: readonly number[];
  readonly extra?: Readonly<Record<string, number>>;
}

/** A side's answer to a CaseRequest: the outcome and what it cost in wall-clock and CPU time. */
export interface CaseMeasurement {
  readonly ops: number;
  readonly wallSeconds: number;
  /** This process's CPU time (all its threads, GC helpers included). */
  readonly cpuSeconds: number;
  readonly p50_ms?: number;
  readonly p99_ms?: number;
  readonly extra?: Readonly<Record<string, number>>;
}

/** A side's first message: its data is loaded. */
export interface SideReady {
  readonly ready: true;
  readonly heapBytesPerEntry: number;
}

/** A side of the comparison's cases by name, each run after a full collection. */
export type SideCases = Readonly<Record<string, (round: number) => Promise<CaseOutcome>>>;

/** A loaded side: its heap per resident entry (indexes included) and its cases. */
export interface Side {
  readonly heapBytesPerEntry: number;
  readonly cases: SideCases;
}

/** What a side is asked to hold and to do. */
export interface SideSpec {
  /** Orders resident before any case runs. */
  readonly resident: number;
  /** The ids the read cases look up (round slices of them). */
  readonly ids: readonly string[];
  /** Their order numbers (a template read names the order's customer and status). */
  readonly indexes: readonly number[];
  /** New orders the write cases write (round slices of them). */
  readonly newOrders: number;
}

/** Two full collections (the second frees what the first's finalizers released). */
export function collectGarbage(): void {
  const gc = (global as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
}

/** Heap in use after full collections. */
export function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Round `round`'s share of `items` (ROUNDS equal slices). */
export function slice<T>(items: readonly T[], round: number): readonly T[] {
  const size = Math.floor(items.length / ROUNDS);
  return items.slice(round * size, (round + 1) * size);
}

/** The random ids both sides read, drawn from the same seed: `ops` of the `resident` orders' ids. */
export function randomIds(resident: number, ops: number): { indexes: number[]; ids: string[] } {
  const random = rng(42);
  const indexes = Array.from({ length: ops }, () => Math.floor(random() * resident));
  return { indexes, ids: indexes.map((i) => `o-${i}`) };
}

/** The seed of the orders' data (totals); both sides load the same orders. */
export const DATA_SEED = 7;
/** The seed of the new orders written by the write cases. */
export const NEW_ORDERS_SEED = 99;

/**
 * Loads the resident orders (the same ones on every side) through `insert`, frozen when `frozen`, and
 * answers the heap growth per order after full collections.
 */
export async function loadResident(
  spec: SideSpec,
  insert: (order: Record<string, unknown>) => unknown,
  frozen: boolean,
): Promise<number> {
  const before = heapUsed();
  const data = rng(DATA_SEED);
  for (let i = 0; i < spec.resident; i++) {
    const order = makeOrder(i, data);
    await insert(frozen ? deepFreeze(order) : order);
  }
  return (heapUsed() - before) / spec.resident;
}

/** The new orders the write cases write, numbered from `first` (the same on every side). */
export function newOrders(
  count: number,
  first: number,
  random = rng(NEW_ORDERS_SEED),
): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, j) => makeOrder(first + j, random));
}
