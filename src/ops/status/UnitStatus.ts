import type { EventLoopLag } from '../metrics/EventLoopLag';

/** What a unit reports per replica (`cluster status`). */
export interface ReplicaStatus {
  readonly partition: number;
  readonly kind: 'primary' | 'backup';
  readonly role: string;
  readonly ready: boolean;
  readonly entries: number;
  /** Backups: offsets behind the log end. */
  readonly lag: number;
  /** Share of the warm-up done, 0..100. */
  readonly warmup: number;
}

/** What `unit.status()` reports. */
export interface UnitStatus {
  readonly unit: string;
  readonly endpoint: string;
  /** Epoch of the placement this unit follows (0: none yet). */
  readonly epoch: number;
  readonly replicas: readonly ReplicaStatus[];
  /**
   * How late this process's event loop runs, over the last 10 to 20 s: a max near the group's session
   * timeout means the unit is about to miss its heartbeats and be replaced.
   */
  readonly eventLoopLag: EventLoopLag;
}
