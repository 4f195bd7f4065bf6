/**
 * A fixed-bucket histogram in plain numbers: what the hot paths record into (no allocation, no
 * library call per observation); the Prometheus registry reads it when scraped. Dependency-free so
 * the pure engine (`src/space`) and the log appender can hold one.
 */
export class Histogram {
  /** Upper bounds of the buckets, ascending (the `+Inf` bucket is implicit). */
  readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last slot is `+Inf`. */
  private readonly counts: Float64Array;
  private total = 0;
  private observed = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one observation (seconds, records, ... in the unit of the bounds). */
  observe(value: number): void {
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.total += value;
    this.observed++;
  }

  /** Number of observations. */
  get count(): number {
    return this.observed;
  }

  /** Sum of the observations. */
  get sum(): number {
    return this.total;
  }

  /** The histogram as Prometheus exposes it: cumulative counts per bound, then the `+Inf` count. */
  snapshot(): HistogramSnapshot {
    const cumulative: number[] = [];
    let running = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      running += this.counts[i]!;
      cumulative.push(running);
    }
    return { bounds: this.bounds, cumulative, sum: this.total, count: this.observed };
  }
}

/** A histogram read at one moment. `cumulative[i]` counts the observations `<= bounds[i]`. */
export interface HistogramSnapshot {
  readonly bounds: readonly number[];
  readonly cumulative: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** Adds histograms of the same bounds (partitions of one space, for instance). */
export function mergeHistograms(snapshots: readonly HistogramSnapshot[]): HistogramSnapshot | undefined {
  const first = snapshots[0];
  if (first === undefined) return undefined;
  const cumulative = first.cumulative.slice();
  let sum = first.sum;
  let count = first.count;
  for (const s of snapshots.slice(1)) {
    for (let i = 0; i < cumulative.length; i++) cumulative[i]! += s.cumulative[i] ?? 0;
    sum += s.sum;
    count += s.count;
  }
  return { bounds: first.bounds, cumulative, sum, count };
}

/**
 * Latency buckets in seconds, 100 µs to 10 s: an in-memory read sits in the first, a sync write
 * (one Kafka transaction) in the millisecond ones, a blocking take may wait for seconds.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Records per group-commit batch (one Kafka transaction); the appender caps a batch at 1000 by default. */
export const BATCH_RECORDS_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 5000];
