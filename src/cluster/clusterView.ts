import type { ClusterView, PartitionView } from '../ops/status/ClusterView';
import type { Placement } from '../ops/status/Placement';
import type { ReplicaStatus, UnitStatus } from '../ops/status/UnitStatus';

/** What `spacelog cluster status` and the console know of each unit: its report, when it answered. */
export type UnitViews = Readonly<
  Record<string, { readonly endpoint: string; readonly status?: UnitStatus; readonly error?: string }>
>;

/** Per partition of the placement: its primary, its backups and what each of them reports of its replica. */
export function partitionViewsOf(placement: Placement | undefined, units: UnitViews): PartitionView[] {
  return (placement?.partitions ?? []).map((p, partition): PartitionView => {
    const replicas: Record<string, ReplicaStatus | undefined> = {};
    for (const unit of [p.primary, ...p.backups]) {
      if (unit !== null)
        replicas[unit] = units[unit]?.status?.replicas.find((r) => r.partition === partition);
    }
    return { partition, primary: p.primary, backups: p.backups, replicas };
  });
}

/**
 * A cluster of one unit holding every partition as primary, without backups: a one-process grid as
 * the console shows it. The placement is the unit's own (its epoch is the status's; it never moves),
 * and `status.replicas` holds partitions 0..n-1 in order.
 */
export function singleUnitView(status: UnitStatus): ClusterView {
  const placement: Placement = {
    epoch: status.epoch,
    endpoints: { [status.unit]: status.endpoint },
    partitions: status.replicas.map(() => ({ primary: status.unit, backups: [] })),
  };
  const units: UnitViews = { [status.unit]: { endpoint: status.endpoint, status } };
  return { placement, units, partitions: partitionViewsOf(placement, units) };
}
