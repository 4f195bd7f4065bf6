import type { HistogramSnapshot } from './Histogram';
import { METRICS, type MetricName, type MetricType } from './catalog';

/** Label values of one sample. */
export type MetricLabels = Readonly<Record<string, string>>;

/** One value of a counter or gauge. */
export interface ValueSample {
  readonly labels: MetricLabels;
  readonly value: number;
}

/** One histogram (cumulative buckets, sum and count). */
export interface HistogramSample {
  readonly labels: MetricLabels;
  readonly histogram: HistogramSnapshot;
}

/** The samples of one metric at one moment, with its catalog type and help. */
export interface MetricFamily {
  readonly name: MetricName;
  readonly type: MetricType;
  readonly help: string;
  readonly samples: readonly (ValueSample | HistogramSample)[];
}

/**
 * What `metrics()` of a grid, unit, mirror or remote client returns: its metrics at one moment as
 * metric families (names and labels of the catalog, docs/operations.md), ready to serve as JSON or
 * through the Prometheus registry (`createMetricsRegistry`).
 */
export interface MetricsSnapshot {
  readonly families: readonly MetricFamily[];
}

/** Anything with a `metrics()` snapshot: what the registry and the HTTP endpoint read. */
export interface MetricsSource {
  metrics(): MetricsSnapshot | Promise<MetricsSnapshot>;
}

/** A family of the catalog with these samples. @internal */
export function family(name: MetricName, samples: readonly (ValueSample | HistogramSample)[]): MetricFamily {
  const definition = METRICS[name];
  return { name, type: definition.type, help: definition.help, samples };
}

/** True for a histogram sample. */
export function isHistogramSample(sample: ValueSample | HistogramSample): sample is HistogramSample {
  return (sample as HistogramSample).histogram !== undefined;
}

/**
 * The value of a counter or gauge sample whose labels include `labels` (summed over the others), or
 * undefined when the snapshot has none: for tests, checks and the console.
 */
export function valueOf(
  snapshot: MetricsSnapshot,
  name: MetricName,
  labels: MetricLabels = {},
): number | undefined {
  let found = false;
  let total = 0;
  for (const f of snapshot.families) {
    if (f.name !== name) continue;
    for (const s of f.samples) {
      if (isHistogramSample(s)) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) {
        found = true;
        total += s.value;
      }
    }
  }
  return found ? total : undefined;
}

/** Several snapshots as one (a grid and its embedded mirror; a unit and its routed client). */
export function mergeSnapshots(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const byName = new Map<MetricName, (ValueSample | HistogramSample)[]>();
  for (const snapshot of snapshots) {
    for (const f of snapshot.families) {
      const samples = byName.get(f.name) ?? [];
      samples.push(...f.samples);
      byName.set(f.name, samples);
    }
  }
  return { families: [...byName].map(([name, samples]) => family(name, samples)) };
}
