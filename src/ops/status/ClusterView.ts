import type { Placement } from './Placement';
import type { ReplicaStatus, UnitStatus } from './UnitStatus';

/** One partition as `spacelog cluster status` shows it. */
export interface PartitionView {
  readonly partition: number;
  readonly primary: string | null;
  readonly backups: readonly string[];
  /** What each unit holding the partition reports of its replica (absent: unit unreachable). */
  readonly replicas: Readonly<Record<string, ReplicaStatus | undefined>>;
}

/** The cluster of a space as its group and its units report it. */
export interface ClusterView {
  readonly placement: Placement | undefined;
  readonly units: Readonly<
    Record<string, { readonly endpoint: string; readonly status?: UnitStatus; readonly error?: string }>
  >;
  readonly partitions: readonly PartitionView[];
}
