import { family, type MetricsSnapshot } from './MetricsSnapshot';
import type { OperationStats } from './OperationStats';

/** The metrics of a remote client: its calls per type and wire operation, their latency, its connections. */
export function clientMetrics(space: string, calls: OperationStats, connections: number): MetricsSnapshot {
  const counts = calls.counts();
  return {
    families: [
      family(
        'spacelog_client_operations_total',
        counts.map((c) => ({ labels: { space, type: c.type, operation: c.operation }, value: c.count })),
      ),
      family(
        'spacelog_client_operation_errors_total',
        counts.map((c) => ({ labels: { space, type: c.type, operation: c.operation }, value: c.errors })),
      ),
      family(
        'spacelog_client_operation_duration_seconds',
        calls.latencies().map((l) => ({ labels: { space, operation: l.operation }, histogram: l.histogram })),
      ),
      family('spacelog_client_connections', [{ labels: { space }, value: connections }]),
    ],
  };
}
