import type { EventLoopLag } from './EventLoopLag';
import { family, type MetricFamily, type MetricsSnapshot, type ValueSample } from './MetricsSnapshot';
import type { SpaceStats } from './SpaceStats';

/** One replica hosted by a grid or unit, as the metrics see it. */
export interface ReplicaView {
  readonly partition: number;
  readonly kind: 'primary' | 'backup';
  /** Serving (a primary) or caught up (a backup). */
  readonly ready: boolean;
  /** Warm-up done, 0..1. */
  readonly warmup: number;
  /** Backups: offsets behind the log end. */
  readonly lag?: number;
  /** Live entries per type. */
  readonly entries: ReadonlyMap<string, number>;
}

/** What a grid or a unit hands to {@link spaceMetrics}. */
export interface SpaceMetricsInput {
  readonly space: string;
  readonly unit: string;
  readonly stats: SpaceStats;
  readonly replicas: readonly ReplicaView[];
  readonly eventLoopLag: EventLoopLag;
  /** Open connections of the unit's server (absent: no server). */
  readonly connections?: number;
}

/**
 * The metrics of a grid or unit: its counters (read, never reset) and its replicas as they are now.
 * Partitions that never had a replica here leave their counters out (a unit hosts some partitions).
 */
export function spaceMetrics(input: SpaceMetricsInput): MetricsSnapshot {
  const { stats, space, unit } = input;
  const base = { space, unit };
  const families: MetricFamily[] = [];
  const ops = stats.operations.counts();
  families.push(
    family(
      'spacelog_operations_total',
      ops.map((o) => ({ labels: { ...base, type: o.type, operation: o.operation }, value: o.count })),
    ),
    family(
      'spacelog_operation_errors_total',
      ops.map((o) => ({ labels: { ...base, type: o.type, operation: o.operation }, value: o.errors })),
    ),
    family(
      'spacelog_operation_duration_seconds',
      stats.operations
        .latencies()
        .map((l) => ({ labels: { ...base, operation: l.operation }, histogram: l.histogram })),
    ),
  );
  const h = stats.appendHistograms;
  families.push(
    family('spacelog_append_duration_seconds', [{ labels: base, histogram: h.appendSeconds.snapshot() }]),
    family('spacelog_commit_duration_seconds', [{ labels: base, histogram: h.commitSeconds.snapshot() }]),
    family('spacelog_group_commit_batch_records', [{ labels: base, histogram: h.batchRecords.snapshot() }]),
  );
  const transactions: ValueSample[] = [];
  const records: ValueSample[] = [];
  const bytes: ValueSample[] = [];
  const aborts: ValueSample[] = [];
  const fencings: ValueSample[] = [];
  const roles: ValueSample[] = [];
  for (let k = 0; k < stats.partitions; k++) {
    const replica = stats.partition(k);
    const a = replica.append;
    const labels = { ...base, partition: String(k) };
    if (a.transactions > 0 || a.aborts > 0 || a.fencings > 0 || replica.roleChanges.size > 0) {
      transactions.push({ labels, value: a.transactions });
      records.push({ labels, value: a.records });
      aborts.push({ labels, value: a.aborts });
      fencings.push({ labels, value: a.fencings });
    }
    for (const [type, value] of a.bytesByType) bytes.push({ labels: { ...labels, type }, value });
    for (const [role, value] of replica.roleChanges) roles.push({ labels: { ...labels, role }, value });
  }
  families.push(
    family('spacelog_log_transactions_total', transactions),
    family('spacelog_log_records_total', records),
    family('spacelog_log_bytes_total', bytes),
    family('spacelog_transaction_aborts_total', aborts),
    family('spacelog_fencings_total', fencings),
    family('spacelog_role_changes_total', roles),
  );
  const serving: ValueSample[] = [];
  const warmup: ValueSample[] = [];
  const entries: ValueSample[] = [];
  const backupLag: ValueSample[] = [];
  for (const r of input.replicas) {
    const labels = { ...base, partition: String(r.partition) };
    serving.push({ labels: { ...labels, kind: r.kind }, value: r.ready ? 1 : 0 });
    warmup.push({ labels, value: r.warmup });
    for (const [type, value] of r.entries) entries.push({ labels: { ...labels, type }, value });
    if (r.kind === 'backup' && r.lag !== undefined) backupLag.push({ labels, value: r.lag });
  }
  families.push(
    family('spacelog_partition_serving', serving),
    family('spacelog_warmup_progress_ratio', warmup),
    family('spacelog_entries', entries),
    family('spacelog_backup_lag_records', backupLag),
  );
  if (input.connections !== undefined) {
    families.push(family('spacelog_connections', [{ labels: base, value: input.connections }]));
  }
  const lag = input.eventLoopLag;
  families.push(
    family('spacelog_event_loop_lag_seconds', [
      { labels: { ...base, quantile: '0.5' }, value: lag.p50Ms / 1000 },
      { labels: { ...base, quantile: '0.99' }, value: lag.p99Ms / 1000 },
      { labels: { ...base, quantile: '1' }, value: lag.maxMs / 1000 },
    ]),
  );
  return { families };
}
