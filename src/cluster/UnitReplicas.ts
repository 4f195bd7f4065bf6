import { CorruptLogError, NotPrimaryError } from '../errors';
import { BackupPartition } from '../partition/BackupPartition';
import { PrimaryPartition, type PrimaryPartitionOptions } from '../partition/PrimaryPartition';
import type { ReplicaLogOptions } from '../partition/ReplicaLog';
import type { SpaceEngine } from '../space/SpaceEngine';
import type { Placement, ReplicaReport } from '../ops/status/Placement';
import type { ReplicaStatus } from '../ops/status/UnitStatus';
import type { ReplicaChange } from './UnitConfig';
import { retry } from '../retry/Retrier';
import type { Backoff } from '../retry/backoff';

/** The waits between attempts to start a primary placed here: 200 ms, doubling to 5 s, no jitter. */
const PROMOTE_BACKOFF: Backoff = { initialMs: 200, maxMs: 5000, multiplier: 2, jitter: 'none' };

/** One replica hosted by a unit. */
type Replica =
  | { readonly kind: 'primary'; readonly primary: PrimaryPartition }
  | { readonly kind: 'backup'; readonly backup: BackupPartition };

/** What the replicas need from the unit. @internal */
export interface UnitReplicasOptions {
  readonly unit: string;
  readonly partitions: number;
  readonly primaryOptions: (partition: number) => PrimaryPartitionOptions;
  readonly backupOptions: (partition: number) => ReplicaLogOptions;
  readonly onChange: (change: ReplicaChange) => void;
  /** A backup finished its first catch-up (it may now take a primary role). */
  readonly onBackupReady: (partition: number) => void;
  /**
   * A primary the placement still puts here was fenced by a writer the group did not place (its
   * transaction timed out at the coordinator, or a process outside the group took the log): only a
   * new placement can give the partition a primary again.
   */
  readonly onPrimaryLost?: (partition: number) => void;
}

/**
 * The replicas a processing unit hosts, kept in line with the placement: starts backups, promotes
 * a backup (the primary fences the old one, then takes the backup's state and folds the rest of
 * the log), demotes a primary (drains it, then tails as a backup) and drops what moved away. The
 * transitions of one partition run one after another; different partitions move in parallel.
 * @internal
 */
export class UnitReplicas {
  private readonly replicas: (Replica | undefined)[];
  private readonly chains: Promise<void>[];
  private placement: Placement | undefined;
  private closed = false;

  constructor(private readonly options: UnitReplicasOptions) {
    this.replicas = Array.from({ length: options.partitions }, () => undefined);
    this.chains = Array.from({ length: options.partitions }, () => Promise.resolve());
  }

  /** Moves every partition towards its role in the placement (returns at once; moves run behind). */
  apply(placement: Placement): void {
    this.placement = placement;
    for (let k = 0; k < this.options.partitions; k++) {
      this.chains[k] = this.chains[k]!.then(() => this.move(k)).catch((error: unknown) =>
        this.options.onChange({ partition: k, kind: 'none', role: 'none', reason: String(error) }),
      );
    }
  }

  /**
   * The serving engine of partition k if this unit is its primary (it may wait for the warm-up);
   * NotPrimaryError otherwise, naming where the primary is.
   */
  engine(k: number): SpaceEngine | Promise<SpaceEngine> {
    const replica = this.replicas[k];
    if (replica?.kind === 'primary' && this.wanted(k) === 'primary') return replica.primary.engine();
    const owner = this.placement?.partitions[k]?.primary;
    throw new NotPrimaryError(
      `unit ${this.options.unit} is not the primary of partition ${k}${owner ? ` (${owner} is)` : ''}; refresh the partition map and retry`,
      { partition: k },
    );
  }

  /** The engine of partition k when this unit serves it as primary right now (undefined otherwise, never waits). */
  servingEngine(k: number): SpaceEngine | undefined {
    const replica = this.replicas[k];
    return replica?.kind === 'primary' && this.wanted(k) === 'primary'
      ? replica.primary.servingEngine()
      : undefined;
  }

  /** Partitions this unit serves as primary now. */
  primaries(): number[] {
    return this.replicas.flatMap((r, k) => (r?.kind === 'primary' && r.primary.ready ? [k] : []));
  }

  /** Partitions the placement puts here whose primary was fenced (nobody serves them until re-placed). */
  lostPrimaries(): number[] {
    return this.replicas.flatMap((r, k) =>
      r?.kind === 'primary' && r.primary.role === 'fenced' && this.wanted(k) === 'primary' ? [k] : [],
    );
  }

  /** What the unit announces when it joins the group. */
  reports(): ReplicaReport[] {
    return this.replicas.flatMap((r, partition): ReplicaReport[] => {
      if (r === undefined) return [];
      if (r.kind === 'primary') {
        const role = r.primary.role;
        // A fenced or closed primary holds nothing anyone may use.
        if (role === 'fenced' || role === 'closed') return [];
        return [{ partition, role: 'primary', ready: r.primary.ready }];
      }
      return [{ partition, role: 'backup', ready: r.backup.ready }];
    });
  }

  /** Live entries per type of the replica of partition k hosted here (empty for none, or a primary not serving). */
  countsByType(k: number): ReadonlyMap<string, number> {
    const r = this.replicas[k];
    if (r === undefined) return new Map();
    if (r.kind === 'backup') return r.backup.countsByType();
    return r.primary.servingEngine()?.state.countsByType() ?? new Map<string, number>();
  }

  status(): ReplicaStatus[] {
    return this.replicas.flatMap((r, partition): ReplicaStatus[] => {
      if (r === undefined) return [];
      if (r.kind === 'primary') {
        const role = r.primary.role;
        const ready = r.primary.ready;
        return [
          {
            partition,
            kind: 'primary',
            role,
            ready,
            entries: r.primary.size,
            lag: 0,
            warmup: ready ? 100 : 0,
          },
        ];
      }
      const b = r.backup;
      return [
        {
          partition,
          kind: 'backup',
          role: b.role,
          ready: b.ready,
          entries: b.size,
          lag: b.lag,
          warmup: b.warmupPercent,
        },
      ];
    });
  }

  /**
   * Stops serving as primary everywhere (operations get NotPrimaryError once their appends are
   * drained) and closes every replica. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.replicas.map(async (r, k) => {
        this.replicas[k] = undefined;
        if (r?.kind === 'primary') await r.primary.close(this.movedAway(k));
        if (r?.kind === 'backup') await r.backup.close();
      }),
    );
  }

  private wanted(k: number): 'primary' | 'backup' | 'none' {
    const at = this.placement?.partitions[k];
    if (this.closed || at === undefined) return 'none';
    if (at.primary === this.options.unit) return 'primary';
    return at.backups.includes(this.options.unit) ? 'backup' : 'none';
  }

  /** One step towards the partition's wanted role (re-read when the step runs: placements move on). */
  private async move(k: number): Promise<void> {
    const want = this.wanted(k);
    const have = this.replicas[k];
    if (want === 'primary') {
      if (have?.kind === 'primary' && have.primary.role !== 'fenced' && have.primary.role !== 'closed')
        return;
      await this.promote(k, have);
    } else if (want === 'backup') {
      if (have?.kind === 'backup') return;
      if (have?.kind === 'primary') await have.primary.close(this.movedAway(k));
      this.startBackup(k);
    } else if (have !== undefined) {
      this.replicas[k] = undefined;
      if (have.kind === 'primary') await have.primary.close(this.movedAway(k));
      else await have.backup.close();
      this.options.onChange({ partition: k, kind: 'none', role: 'none' });
    }
  }

  private async promote(k: number, have: Replica | undefined): Promise<void> {
    const backup = have?.kind === 'backup' ? have.backup : undefined;
    const primary = new PrimaryPartition({
      ...this.options.primaryOptions(k),
      movable: true,
      // Only the first attempt may take the backup's state; a rebuild folds the log.
      handover: async () => {
        // A backup handed over or closed already has no state to give: the primary folds the log.
        const live = backup !== undefined && backup.role !== 'handed-over' && backup.role !== 'closed';
        const handover = live ? await backup.handOver() : undefined;
        if (backup && !handover) await backup.close();
        return handover;
      },
      onRoleChange: (partition, role, reason) => {
        this.options.onChange({
          partition,
          kind: 'primary',
          role,
          ...(reason ? { reason: reason.message } : {}),
        });
        if (role === 'fenced' && this.wanted(partition) === 'primary')
          this.options.onPrimaryLost?.(partition);
      },
    });
    this.replicas[k] = { kind: 'primary', primary };
    // Started again after each failure while the placement still wants a primary here. A failure
    // once it no longer does ends the promotion quietly, and so does a corrupt log: it stays corrupt
    // (the partition stays unready, its role says why, the others serve).
    await retry(
      async () => {
        try {
          await primary.start();
        } catch (error) {
          if (this.wanted(k) !== 'primary' || this.replicas[k]?.kind !== 'primary') return;
          if (error instanceof CorruptLogError) return;
          throw error;
        }
      },
      {
        delay: PROMOTE_BACKOFF,
        retriable: () => true,
        exhausted: 'last',
        unref: true,
        onRetry: (error) =>
          this.options.onChange({ partition: k, kind: 'primary', role: 'failed', reason: String(error) }),
      },
    );
  }

  private startBackup(k: number): void {
    const backup = new BackupPartition({
      ...this.options.backupOptions(k),
      onRoleChange: (partition, role, reason) => {
        this.options.onChange({
          partition,
          kind: 'backup',
          role,
          ...(reason ? { reason: reason.message } : {}),
        });
        if (role === 'backup') this.options.onBackupReady(partition);
      },
    });
    this.replicas[k] = { kind: 'backup', backup };
    this.options.onChange({ partition: k, kind: 'backup', role: 'warming' });
    void backup.start();
  }

  private movedAway(k: number): NotPrimaryError {
    return new NotPrimaryError(
      `partition ${k} is moving off unit ${this.options.unit}; refresh the partition map and retry`,
      { partition: k },
    );
  }
}
