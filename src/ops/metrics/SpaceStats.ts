import { AppendHistograms, AppendStats } from './AppendStats';
import { OperationStats } from './OperationStats';

/** Role changes and warm-up progress of one partition replica in this process. */
export class ReplicaStats {
  /** Role changes by the role entered. */
  readonly roleChanges = new Map<string, number>();
  /** Share of the last warm-up read, 0..1 (1 once caught up). */
  warmup = 0;
  readonly append: AppendStats;

  constructor(histograms: AppendHistograms) {
    this.append = new AppendStats(histograms);
  }

  /** Counts a role change. */
  roleChanged(role: string): void {
    this.roleChanges.set(role, (this.roleChanges.get(role) ?? 0) + 1);
  }
}

/**
 * Everything a grid or unit counts for one space, in plain numbers: the engines' operations, and per
 * partition the appender's figures, role changes and warm-up. Created once per grid or unit (it
 * outlives the replicas that come and go); `metrics()` and the Prometheus registry read it.
 */
export class SpaceStats {
  readonly operations = new OperationStats();
  readonly appendHistograms = new AppendHistograms();
  private readonly replicas: ReplicaStats[] = [];

  constructor(readonly partitions: number) {
    for (let k = 0; k < partitions; k++) this.replicas.push(new ReplicaStats(this.appendHistograms));
  }

  /** The counters of partition k. */
  partition(k: number): ReplicaStats {
    const stats = this.replicas[k];
    if (stats === undefined) throw new RangeError(`partition ${k} out of 0..${this.partitions - 1}`);
    return stats;
  }
}
