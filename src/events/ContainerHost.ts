import type { Kafka } from 'kafkajs';
import type { Space } from '../api/Space';
import type { ReplicaLogOptions } from '../partition/ReplicaLog';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { SpaceEngine } from '../space/SpaceEngine';

/**
 * A role change of one partition in a host (XAP's primary-backup events):
 * - `primary`: the partition serves here as primary (warmed up, fenced its predecessor);
 * - `primary-lost`: it no longer does (fenced, failed, corrupt, moved away or closing);
 * - `backup`: a hot backup of it is ready here;
 * - `backup-lost`: that backup stopped (promoted, moved away, failed or closing).
 */
export interface PartitionEvent {
  readonly kind: 'primary' | 'primary-lost' | 'backup' | 'backup-lost';
  readonly partition: number;
  /** Why the role ended, when it ended other than by a placement (the error message). */
  readonly reason?: string;
}

/** Hears partition role changes; see `ContainerHost.onPartitionEvent`. */
export type PartitionEventListener = (event: PartitionEvent) => void;

/**
 * What collocated logic (polling and notify containers, tasks, exported services) needs from the
 * process it runs in: a processing unit, or a one-process grid (`Spacelog.start`), which leads every
 * partition. The engines it hands out are in-process: no socket, no serialisation.
 */
export interface ContainerHost {
  /** The space's name. */
  readonly spaceName: string;
  /** The unit's name in its cluster (`local` for a one-process grid). */
  readonly unit: string;
  readonly partitions: number;
  readonly types: TypeRegistry;
  /** The whole space, routed: partitions led here run in-process, others through the cluster. */
  readonly space: Space;
  /** Partitions whose primary serves here now, ascending. */
  primaries(): number[];
  /**
   * The serving engine of partition k, in-process. Throws (or rejects with) the retriable
   * NotPrimaryError when this host does not lead k; may wait for a warm-up in progress.
   */
  engine(partition: number): SpaceEngine | Promise<SpaceEngine>;
  /**
   * Hears every role change of this host's partitions from now on; returns the unsubscribe
   * function. Partitions that already serve here are announced at once (a `primary` event each,
   * synchronously, before this returns), so a container started late misses none.
   */
  onPartitionEvent(listener: PartitionEventListener): () => void;
  /** How to read partition k's log (for readers that follow it, like notify containers). */
  logOf(partition: number): ReplicaLogOptions;
  /** The space's Kafka client and topic prefix (for positions kept in Kafka). */
  readonly kafka: Kafka;
  readonly prefix: string;
}
