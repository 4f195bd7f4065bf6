import { Histogram, LATENCY_BUCKETS_SECONDS, type HistogramSnapshot } from './Histogram';

/** The operations a partition engine counts (its public calls; the lease sweep's `expireDue` is not one). */
export const ENGINE_OPERATIONS = [
  'write',
  'read',
  'take',
  'readMultiple',
  'takeMultiple',
  'count',
  'clear',
  'change',
  'renew',
] as const;

/** One operation a partition engine counts. */
export type EngineOperation = (typeof ENGINE_OPERATIONS)[number];

/** Operations and errors of one entry type and operation. */
export interface OperationCount {
  readonly type: string;
  readonly operation: string;
  readonly count: number;
  readonly errors: number;
}

/**
 * Operations, errors and latency of a space's engines in this process, per entry type and operation,
 * counted into typed arrays: one Map lookup and two array increments per operation, a histogram
 * observation per completion. The engines share one instance per space (the `partition` label is
 * left out on purpose: types x operations x partitions would grow with P). Operation names are any
 * fixed list (the engine's, or the wire protocol's for remote clients), given at construction.
 */
export class OperationStats {
  private readonly index: ReadonlyMap<string, number>;
  /** Per type: counts[op] then errors[op], in one array. */
  private readonly perType = new Map<string, Float64Array>();
  private readonly latency: Histogram[];

  constructor(readonly operations: readonly string[] = ENGINE_OPERATIONS) {
    this.index = new Map(operations.map((op, i) => [op, i]));
    this.latency = operations.map(() => new Histogram(LATENCY_BUCKETS_SECONDS));
  }

  /**
   * Counts one finished operation. `startedAt` is `performance.now()` at its start (ms), or NaN for an
   * operation counted without being timed (a sampled one); `failed` counts it as an error too. Unknown
   * operation names are ignored (never thrown on a hot path).
   */
  done(operation: string, type: string, startedAt: number, failed: boolean): void {
    const i = this.index.get(operation);
    if (i === undefined) return;
    let counts = this.perType.get(type);
    if (counts === undefined) {
      counts = new Float64Array(this.operations.length * 2);
      this.perType.set(type, counts);
    }
    counts[i]!++;
    if (failed) counts[this.operations.length + i]!++;
    if (!Number.isNaN(startedAt)) this.latency[i]!.observe((performance.now() - startedAt) / 1000);
  }

  /** Counts per type and operation (only the pairs that happened). */
  counts(): OperationCount[] {
    const out: OperationCount[] = [];
    const n = this.operations.length;
    for (const [type, counts] of this.perType) {
      for (let i = 0; i < n; i++) {
        if (counts[i] === 0) continue;
        out.push({ type, operation: this.operations[i]!, count: counts[i]!, errors: counts[n + i]! });
      }
    }
    return out;
  }

  /** Latency per operation, seconds (only the operations that happened). */
  latencies(): { readonly operation: string; readonly histogram: HistogramSnapshot }[] {
    return this.operations.flatMap((operation, i) => {
      const h = this.latency[i]!;
      return h.count === 0 ? [] : [{ operation, histogram: h.snapshot() }];
    });
  }
}
