/** A Prometheus metric type as Spacelog uses them. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** One metric of the catalog: its type, its help text and its labels. */
export interface MetricDefinition {
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
}

const UNIT = ['space', 'unit'] as const;
const PARTITION = ['space', 'unit', 'partition'] as const;

/**
 * Every metric Spacelog exposes, by name: the one place names, types, help and labels are written
 * (the snapshots, the Prometheus registry, docs/operations.md and the Grafana dashboard's test read
 * it). Names follow Prometheus conventions: `spacelog_` prefix, `_total` counters, base units
 * (`_seconds`, `_bytes`, `_ratio`). Labels are bounded: `space`, `unit` (a unit's name; `local` for
 * a one-process grid), `partition` (0..P-1), `type` (entry types of the schemas), `operation` (a fixed
 * list), `role` / `kind` (a fixed list), `quantile`.
 */
export const METRICS = {
  spacelog_operations_total: {
    type: 'counter',
    help: 'Operations run by the partition engines of this process, by entry type and operation.',
    labels: [...UNIT, 'type', 'operation'],
  },
  spacelog_operation_errors_total: {
    type: 'counter',
    help: 'Operations that failed (any error, refused input included), by entry type and operation.',
    labels: [...UNIT, 'type', 'operation'],
  },
  spacelog_operation_duration_seconds: {
    type: 'histogram',
    help: 'Time from an operation reaching its partition engine to its answer (a sync write includes its Kafka commit).',
    labels: [...UNIT, 'operation'],
  },
  spacelog_append_duration_seconds: {
    type: 'histogram',
    help: 'Time to send one group-commit batch to Kafka (acks=all), before its commit.',
    labels: [...UNIT],
  },
  spacelog_commit_duration_seconds: {
    type: 'histogram',
    help: "Time to commit one group-commit batch's Kafka transaction.",
    labels: [...UNIT],
  },
  spacelog_group_commit_batch_records: {
    type: 'histogram',
    help: 'Records per group-commit batch (one Kafka transaction).',
    labels: [...UNIT],
  },
  spacelog_log_transactions_total: {
    type: 'counter',
    help: 'Kafka transactions committed by the partition writers of this process.',
    labels: [...PARTITION],
  },
  spacelog_log_records_total: {
    type: 'counter',
    help: 'Records committed to the partition logs by this process.',
    labels: [...PARTITION],
  },
  spacelog_log_bytes_total: {
    type: 'counter',
    help: 'Bytes of records handed to the partition logs (key, value, headers and framing, as Kafka counts them), by entry type.',
    labels: [...PARTITION, 'type'],
  },
  spacelog_transaction_aborts_total: {
    type: 'counter',
    help: 'Kafka transactions of a partition writer that ended without a commit.',
    labels: [...PARTITION],
  },
  spacelog_fencings_total: {
    type: 'counter',
    help: 'Times a partition writer of this process was fenced by a newer primary.',
    labels: [...PARTITION],
  },
  spacelog_role_changes_total: {
    type: 'counter',
    help: 'Role changes of the partition replicas of this process, by the role entered.',
    labels: [...PARTITION, 'role'],
  },
  spacelog_partition_serving: {
    type: 'gauge',
    help: 'A replica hosted here: 1 when ready (a primary serving, a backup caught up), 0 otherwise; kind primary or backup.',
    labels: [...PARTITION, 'kind'],
  },
  spacelog_warmup_progress_ratio: {
    type: 'gauge',
    help: 'Share of the warm-up of a replica hosted here, 0..1 (1 once caught up).',
    labels: [...PARTITION],
  },
  spacelog_entries: {
    type: 'gauge',
    help: 'Live entries of a replica hosted here, by entry type.',
    labels: [...PARTITION, 'type'],
  },
  spacelog_backup_lag_records: {
    type: 'gauge',
    help: 'Offsets a backup hosted here is behind its partition log.',
    labels: [...PARTITION],
  },
  spacelog_connections: {
    type: 'gauge',
    help: "Open client connections of this unit's server.",
    labels: [...UNIT],
  },
  spacelog_event_loop_lag_seconds: {
    type: 'gauge',
    help: "How late this process's event loop ran over the last 10 to 20 s (quantile 0.5, 0.99, and 1 for the max).",
    labels: [...UNIT, 'quantile'],
  },
  spacelog_mirror_lag_records: {
    type: 'gauge',
    help: 'Records of a partition log the PostgreSQL mirror has not applied yet.',
    labels: ['space', 'partition'],
  },
  spacelog_mirror_lag_seconds: {
    type: 'gauge',
    help: 'Age of the oldest record of a partition the mirror has not applied (0 when caught up; absent when unknown).',
    labels: ['space', 'partition'],
  },
  spacelog_mirror_applied_offset: {
    type: 'gauge',
    help: 'Next offset of a partition log the mirror applies (everything before it is in PostgreSQL).',
    labels: ['space', 'partition'],
  },
  spacelog_mirror_dead_letters: {
    type: 'gauge',
    help: 'Records of a partition the mirror could not apply, kept in spacelog_dead_letters.',
    labels: ['space', 'partition'],
  },
  spacelog_mirror_reconciles_total: {
    type: 'counter',
    help: 'Times the mirror rebuilt a partition from its whole log (resumed past the tombstone horizon).',
    labels: ['space', 'partition'],
  },
  spacelog_mirror_up: {
    type: 'gauge',
    help: 'The mirror projects (1), or stopped on a failure (0).',
    labels: ['space'],
  },
  spacelog_client_operations_total: {
    type: 'counter',
    help: 'Calls of a remote client to the units, by entry type and wire operation (retries inside count once).',
    labels: ['space', 'type', 'operation'],
  },
  spacelog_client_operation_errors_total: {
    type: 'counter',
    help: 'Calls of a remote client that failed, by entry type and wire operation.',
    labels: ['space', 'type', 'operation'],
  },
  spacelog_client_operation_duration_seconds: {
    type: 'histogram',
    help: 'Time of a remote call, retries included, by wire operation.',
    labels: ['space', 'operation'],
  },
  spacelog_client_connections: {
    type: 'gauge',
    help: 'Open connections of a remote client to the units.',
    labels: ['space'],
  },
} as const satisfies Record<string, MetricDefinition>;

/** A metric name of the catalog. */
export type MetricName = keyof typeof METRICS;

/** Every metric name of the catalog. */
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
