/**
 * The placement of a space's partition replicas over its processing units: what the Spacelog
 * assignor computes on the group leader and every member and client learns. Pure data.
 */

/** A replica's role on a unit. */
export type ReplicaRole = 'primary' | 'backup';

/** What a unit reports about one replica it hosts when it (re)joins the group. */
export interface ReplicaReport {
  readonly partition: number;
  readonly role: ReplicaRole;
  /** Warmed up and serving (primary) or caught up and tailing (backup). */
  readonly ready: boolean;
}

/** What a unit tells the group about itself when it (re)joins (its member metadata). */
export interface UnitReport {
  /** Stable name of the unit (unique in the space's cluster). */
  readonly unit: string;
  /** `host:port` where it serves remote clients. */
  readonly endpoint: string;
  /** Highest placement epoch it has seen (0: none). */
  readonly epoch: number;
  readonly replicas: readonly ReplicaReport[];
}

/** Where one partition lives. */
export interface PartitionPlacement {
  /** The unit that is primary; null when no unit is in the group. */
  readonly primary: string | null;
  /** Units holding a backup (never the primary; never twice the same unit). */
  readonly backups: readonly string[];
}

/** The whole placement; `partitions[k]` is partition k. */
export interface Placement {
  /** Grows by one at every assignment: a member applies only a placement newer than its own. */
  readonly epoch: number;
  /** Endpoint of every unit in the group. */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly partitions: readonly PartitionPlacement[];
}
