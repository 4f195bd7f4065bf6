import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import { METRIC_NAMES, METRICS, type MetricName } from './catalog';
import {
  isHistogramSample,
  mergeSnapshots,
  type MetricsSnapshot,
  type MetricsSource,
} from './MetricsSnapshot';

/** Options of {@link createMetricsRegistry}. */
export interface MetricsRegistryOptions {
  /**
   * Also collect prom-client's default Node.js metrics (`process_cpu_seconds_total`,
   * `nodejs_heap_size_used_bytes`, `nodejs_eventloop_lag_seconds`, ...); default true.
   */
  readonly defaultMetrics?: boolean;
  /** How long one snapshot serves the families of a scrape (they are read one by one); default 250 ms. */
  readonly snapshotTtlMs?: number;
}

/** One value as prom-client formats it. */
interface PromValue {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName?: string;
}

export const DEFAULT_SNAPSHOT_TTL_MS = 250;

/**
 * A prom-client `Registry` over `metrics()` snapshots: every metric of the catalog is registered
 * once, and read from the sources only when scraped (`registry.metrics()`), so the hot paths count
 * into plain numbers and never call prom-client. One snapshot of every source serves a whole scrape.
 * Sources may come and go: `add` returns the function that removes one.
 */
export class SpacelogMetricsRegistry {
  readonly registry = new Registry();
  private readonly sources = new Set<MetricsSource>();
  private readonly ttlMs: number;
  private taken: { at: number; snapshot: Promise<MetricsSnapshot> } | undefined;
  private readonly withProcessMetrics: boolean;

  constructor(sources: readonly MetricsSource[] = [], options: MetricsRegistryOptions = {}) {
    this.ttlMs = options.snapshotTtlMs ?? DEFAULT_SNAPSHOT_TTL_MS;
    for (const source of sources) this.sources.add(source);
    for (const name of METRIC_NAMES) this.register(name);
    this.withProcessMetrics = options.defaultMetrics ?? true;
  }

  /** Reads one more source on every scrape; returns the function that stops reading it. */
  add(source: MetricsSource): () => void {
    this.sources.add(source);
    this.taken = undefined;
    return () => {
      this.sources.delete(source);
      this.taken = undefined;
    };
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<string> {
    if (!this.withProcessMetrics) return this.registry.metrics();
    const [own, process] = await Promise.all([this.registry.metrics(), processRegistry().metrics()]);
    return `${own}\n${process}`;
  }

  /** The content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The merged snapshot of every source (taken at most once per `snapshotTtlMs`). */
  snapshot(): Promise<MetricsSnapshot> {
    const now = performance.now();
    if (this.taken === undefined || now - this.taken.at > this.ttlMs) {
      const sources = [...this.sources];
      const snapshot = Promise.all(sources.map((s) => s.metrics())).then(mergeSnapshots);
      // A failed read is not kept: the next scrape tries again.
      snapshot.catch(() => (this.taken = undefined));
      this.taken = { at: now, snapshot };
    }
    return this.taken.snapshot;
  }

  private register(name: MetricName): void {
    const definition = METRICS[name];
    const metric = {
      name,
      help: definition.help,
      type: definition.type,
      aggregator: 'sum',
      get: async () => ({
        name,
        help: definition.help,
        type: definition.type,
        aggregator: 'sum',
        values: valuesOf(await this.snapshot(), name),
      }),
      reset: () => undefined,
    };
    // prom-client's registry formats any metric with this shape; its typings name only its own classes.
    this.registry.registerMetric(metric as unknown as Metric);
  }
}

/** The samples of one family in prom-client's shape (a histogram as its `_bucket`, `_sum`, `_count`). */
function valuesOf(snapshot: MetricsSnapshot, name: MetricName): PromValue[] {
  const values: PromValue[] = [];
  for (const f of snapshot.families) {
    if (f.name !== name) continue;
    for (const sample of f.samples) {
      if (!isHistogramSample(sample)) {
        values.push({ value: sample.value, labels: { ...sample.labels } });
        continue;
      }
      const { bounds, cumulative, sum, count } = sample.histogram;
      for (let i = 0; i < bounds.length; i++) {
        values.push({
          metricName: `${name}_bucket`,
          value: cumulative[i] ?? 0,
          labels: { ...sample.labels, le: bounds[i]! },
        });
      }
      values.push({ metricName: `${name}_bucket`, value: count, labels: { ...sample.labels, le: '+Inf' } });
      values.push({ metricName: `${name}_sum`, value: sum, labels: { ...sample.labels } });
      values.push({ metricName: `${name}_count`, value: count, labels: { ...sample.labels } });
    }
  }
  return values;
}

/** A registry over these sources (see {@link SpacelogMetricsRegistry}). */
export function createMetricsRegistry(
  sources: readonly MetricsSource[] = [],
  options?: MetricsRegistryOptions,
): SpacelogMetricsRegistry {
  return new SpacelogMetricsRegistry(sources, options);
}

let processMetrics: Registry | undefined;

/**
 * prom-client's default metrics (CPU, memory, GC, event-loop delay, handles) in one registry per
 * process, made at first use: each collection starts observers that are never stopped, so a process
 * starting many grids or units (tests, an embedding application) must not start one set per registry.
 */
function processRegistry(): Registry {
  if (processMetrics === undefined) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}
