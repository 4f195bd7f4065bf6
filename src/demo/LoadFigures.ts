/** The figures of one reporting window of the demo load, as printed once a second. */
export interface DemoFigures {
  /** Seconds since the load started. */
  readonly elapsedSeconds: number;
  readonly writesPerSecond: number;
  readonly takesPerSecond: number;
  /** 99th percentile of write / change latency in the window, ms; undefined when none completed. */
  readonly p99WriteMs: number | undefined;
  /** Live entries per type, in display order. */
  readonly entries: readonly (readonly [type: string, count: number])[];
  /** Operations that failed since the start. */
  readonly errors: number;
  /**
   * How far the PostgreSQL mirror is behind the log: records not applied yet and the age of the oldest
   * (null: not fetched yet); `waiting` while it is not running (starting, or PostgreSQL away). Absent: no mirror.
   */
  readonly mirrorLag?: { readonly records: number; readonly seconds: number | null } | 'waiting';
}

/** The counters of one window, taken (and reset) by {@link LoadFigures.takeWindow}. */
export interface LoadWindow {
  readonly seconds: number;
  readonly writesPerSecond: number;
  readonly takesPerSecond: number;
  readonly p99WriteMs: number | undefined;
  readonly errors: number;
}

/**
 * Counts the demo load's operations per reporting window: writes (write and change) with their
 * latencies, takes, and failures. Not thread-safe and need not be: one event loop.
 */
export class LoadFigures {
  private writes = 0;
  private takes = 0;
  private errors = 0;
  private latencies: number[] = [];
  private windowStart: number;
  private allWrites = 0;
  private allTakes = 0;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.windowStart = now();
  }

  /** A write or change completed after `latencyMs`. */
  recordWrite(latencyMs: number): void {
    this.writes++;
    this.allWrites++;
    this.latencies.push(latencyMs);
  }

  /** A take removed an entry. */
  recordTake(): void {
    this.takes++;
    this.allTakes++;
  }

  /** Writes, takes and failures since the start. */
  totals(): { readonly writes: number; readonly takes: number; readonly errors: number } {
    return { writes: this.allWrites, takes: this.allTakes, errors: this.errors };
  }

  /** An operation failed. */
  recordError(): void {
    this.errors++;
  }

  /** Rates and p99 since the previous call, then starts a new window. Errors are cumulative. */
  takeWindow(): LoadWindow {
    const now = this.now();
    const seconds = Math.max((now - this.windowStart) / 1000, 0.001);
    const window: LoadWindow = {
      seconds,
      writesPerSecond: this.writes / seconds,
      takesPerSecond: this.takes / seconds,
      p99WriteMs: percentile(this.latencies, 0.99),
      errors: this.errors,
    };
    this.writes = 0;
    this.takes = 0;
    this.latencies = [];
    this.windowStart = now;
    return window;
  }
}

/**
 * The `q` quantile (0..1) of `samples` by the nearest-rank method: the smallest sample with at
 * least `q` of all samples at or below it. Undefined for no samples. Does not modify `samples`.
 */
export function percentile(samples: readonly number[], q: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

/**
 * The one-line form of the figures, e.g.
 * `12s  writes/s 412  takes/s 61  p99 write 3.2 ms  entries Customer 200 · Order 1,234  mirror lag 0  errors 0`.
 */
export function formatFigures(figures: DemoFigures): string {
  const entries = figures.entries.map(([type, count]) => `${type} ${thousands(count)}`).join(' · ');
  return [
    `${Math.round(figures.elapsedSeconds)}s`,
    `writes/s ${thousands(Math.round(figures.writesPerSecond))}`,
    `takes/s ${thousands(Math.round(figures.takesPerSecond))}`,
    `p99 write ${figures.p99WriteMs === undefined ? '-' : `${formatMs(figures.p99WriteMs)} ms`}`,
    `entries ${entries === '' ? '-' : entries}`,
    ...(figures.mirrorLag === undefined ? [] : [formatLag(figures.mirrorLag)]),
    `errors ${thousands(figures.errors)}`,
  ].join('  ');
}

/** `mirror lag 0`, `mirror lag 42 rec 0.3 s`, `mirror waiting`. */
function formatLag(lag: NonNullable<DemoFigures['mirrorLag']>): string {
  if (lag === 'waiting') return 'mirror waiting';
  if (lag.records === 0) return 'mirror lag 0';
  const age = lag.seconds === null ? '' : ` ${lag.seconds.toFixed(1)} s`;
  return `mirror lag ${thousands(lag.records)} rec${age}`;
}

/** Milliseconds with one decimal below 100 ms, whole above (3.2, 12.0, 140). */
export function formatMs(ms: number): string {
  return ms < 100 ? ms.toFixed(1) : thousands(Math.round(ms));
}

function thousands(value: number): string {
  return value.toLocaleString('en-US');
}
