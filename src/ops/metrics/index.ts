export { METRICS, METRIC_NAMES, type MetricDefinition, type MetricName, type MetricType } from './catalog';
export {
  createMetricsRegistry,
  SpacelogMetricsRegistry,
  type MetricsRegistryOptions,
} from './createMetricsRegistry';
export type { HistogramSnapshot } from './Histogram';
export {
  mergeSnapshots,
  valueOf,
  type HistogramSample,
  type MetricFamily,
  type MetricLabels,
  type MetricsSnapshot,
  type MetricsSource,
  type ValueSample,
} from './MetricsSnapshot';
