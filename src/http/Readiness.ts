import type { Placement } from '../ops/status/Placement';

/** One partition assigned to a grid or unit, as `/readyz` reports it. */
export interface PartitionReadiness {
  readonly partition: number;
  /** What the placement gives this process. */
  readonly kind: 'primary' | 'backup';
  /** The replica's role now (`warming`, `primary`, `fenced`, ... ; `missing` when not started yet). */
  readonly role: string;
  readonly ready: boolean;
}

/** What `/readyz` answers: 200 when `ready`, else 503 with the same body saying which partitions are not. */
export interface Readiness {
  readonly ready: boolean;
  /** Why not, in a word, when not ready for a reason other than a partition (`no placement yet`, `closing`). */
  readonly reason?: string;
  readonly partitions: readonly PartitionReadiness[];
  /** The partitions that are not ready (the same entries as in `partitions`). */
  readonly notReady: readonly number[];
}

/** A replica this process hosts, as the readiness check needs it. */
export interface HostedReplica {
  readonly partition: number;
  readonly kind: 'primary' | 'backup';
  readonly role: string;
  readonly ready: boolean;
}

/** Readiness from a list of assigned partitions. */
export function readinessOf(partitions: readonly PartitionReadiness[], reason?: string): Readiness {
  const notReady = partitions.filter((p) => !p.ready).map((p) => p.partition);
  return {
    ready: reason === undefined && notReady.length === 0,
    ...(reason !== undefined ? { reason } : {}),
    partitions,
    notReady,
  };
}

/**
 * A unit's readiness: every partition the placement assigns to it (as primary or backup) has a replica
 * here of that kind that is ready (a primary serving, a backup caught up). Not ready before its first
 * placement, or when it lost touch with its group.
 */
export function unitReadiness(
  unit: string,
  placement: Placement | undefined,
  replicas: readonly HostedReplica[],
  inGroup: boolean,
): Readiness {
  if (placement === undefined) return readinessOf([], 'no placement yet');
  const assigned: PartitionReadiness[] = [];
  placement.partitions.forEach((p, partition) => {
    const kind = p.primary === unit ? 'primary' : p.backups.includes(unit) ? 'backup' : undefined;
    if (kind === undefined) return;
    const replica = replicas.find((r) => r.partition === partition && r.kind === kind);
    assigned.push({
      partition,
      kind,
      role: replica?.role ?? 'missing',
      ready: replica?.ready ?? false,
    });
  });
  return readinessOf(assigned, inGroup ? undefined : 'lost touch with the group');
}
