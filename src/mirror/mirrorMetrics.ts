import type { PartitionLag } from './MirrorLag';
import { family, type MetricsSnapshot } from '../ops/metrics/MetricsSnapshot';

/** The metrics of a mirror from its lag per partition (`MirrorProjector.lag()`) and whether it runs. */
export function mirrorMetrics(space: string, lags: readonly PartitionLag[], up: boolean): MetricsSnapshot {
  const labels = (l: PartitionLag): Record<string, string> => ({ space, partition: String(l.partition) });
  return {
    families: [
      family(
        'spacelog_mirror_lag_records',
        lags.map((l) => ({ labels: labels(l), value: l.records })),
      ),
      family(
        'spacelog_mirror_lag_seconds',
        lags.flatMap((l) => (l.seconds === null ? [] : [{ labels: labels(l), value: l.seconds }])),
      ),
      family(
        'spacelog_mirror_applied_offset',
        lags.map((l) => ({ labels: labels(l), value: l.appliedOffset })),
      ),
      family(
        'spacelog_mirror_dead_letters',
        lags.map((l) => ({ labels: labels(l), value: l.deadLetters })),
      ),
      family(
        'spacelog_mirror_reconciles_total',
        lags.map((l) => ({ labels: labels(l), value: l.reconciles })),
      ),
      family('spacelog_mirror_up', [{ labels: { space }, value: up ? 1 : 0 }]),
    ],
  };
}
