import { CorruptLogError, LogReadError, SpacelogError } from '../errors';
import type { LogReader } from '../log/LogReader';
import { partitionTopic } from '../log/topicNames';
import { ReplicaLogging } from '../ops/logging/ReplicaLogging';
import { PartitionState } from '../space/PartitionState';
import { SpaceEngine } from '../space/SpaceEngine';
import { replicaLogReader, type ReplicaLogOptions } from './ReplicaLog';

/** Where a backup replica is in its life. */
export type BackupRole = 'warming' | 'backup' | 'failed' | 'handed-over' | 'closed';

/** What a backup needs. */
export interface BackupPartitionOptions extends ReplicaLogOptions {
  /** Told of every role change (warming → backup, failures). */
  readonly onRoleChange?: (partition: number, role: BackupRole, reason?: SpacelogError) => void;
}

/** A backup's state and the log offset it covers, handed to the primary it is promoted to. */
export interface BackupHandover {
  readonly state: PartitionState;
  /** First log offset not folded into `state`. */
  readonly nextOffset: number;
}

/** How long a failed tail waits before it starts over from the beginning of the log. */
const RETRY_MS = 1000;

/**
 * A hot backup of one partition: tails the partition log (read_committed) from the beginning and
 * folds every record with the restore fold (the log as Kafka keeps it, compacted), so its state is the primary's minus the lag.
 * It serves nothing. Promotion takes its state (`handOver`) once the new primary has fenced the old
 * one; the new primary then folds the rest of the log from `nextOffset`.
 */
export class BackupPartition {
  private current: BackupRole = 'warming';
  private engine: SpaceEngine;
  private reader: LogReader | undefined;
  private next = 0;
  private end = 0;
  private percent = 0;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly caughtUp: Promise<void>;
  private markCaughtUp: () => void = () => undefined;
  private readonly logging: ReplicaLogging;

  constructor(private readonly options: BackupPartitionOptions) {
    this.logging = new ReplicaLogging(options.logger, 'backup');
    this.engine = this.freshEngine();
    this.caughtUp = new Promise((resolve) => (this.markCaughtUp = resolve));
  }

  get partition(): number {
    return this.options.partition;
  }

  get role(): BackupRole {
    return this.current;
  }

  /** Caught up once and tailing. */
  get ready(): boolean {
    return this.current === 'backup';
  }

  /** Offsets behind the log end seen by the last fetch. */
  get lag(): number {
    return Math.max(0, this.end - this.next);
  }

  /** Share of the initial catch-up done, 0..100. */
  get warmupPercent(): number {
    return this.current === 'warming' ? this.percent : 100;
  }

  /** Entries folded so far. */
  get size(): number {
    return this.engine.state.size;
  }

  /** Entries folded so far, per type (metrics). */
  countsByType(): Map<string, number> {
    return this.engine.state.countsByType();
  }

  /** Starts tailing; resolves once caught up the first time (or when stopped before that). */
  start(): Promise<void> {
    this.logging.transition('warming', undefined, () => this.facts());
    void this.tail();
    return Promise.race([this.caughtUp, this.stoppedSignal()]);
  }

  /**
   * Stops tailing and gives up the folded state: the caller (a primary being promoted, after it
   * fenced the old one) folds the log on from `nextOffset`. The backup is finished afterwards.
   */
  async handOver(): Promise<BackupHandover> {
    await this.halt();
    this.setRole('handed-over');
    const state = this.engine.state;
    this.engine.endBulkLoad();
    return { state, nextOffset: this.next };
  }

  /** Stops tailing and drops the state. Idempotent. */
  async close(): Promise<void> {
    if (this.current === 'closed' || this.current === 'handed-over') return;
    await this.halt();
    this.setRole('closed');
  }

  private async tail(): Promise<void> {
    const { options } = this;
    this.next = 0;
    this.engine.beginBulkLoad();
    const topic = partitionTopic(options.prefix, options.space, options.partition);
    const reader = replicaLogReader(options, {
      onMutation: (mutation, offset) => {
        // After a halt nothing more may land: the state now belongs to the promoted primary.
        if (this.stopped) return;
        this.engine.applyReplicated(mutation, { topic, offset });
        this.next = offset + 1;
      },
      onProgress: (progress) => {
        this.next = Math.max(this.next, progress.offset);
        this.end = Math.max(progress.endOffset, progress.offset);
        this.percent = progress.percent;
      },
      onError: (error) => this.restart(error),
    });
    this.reader = reader;
    try {
      await reader.tail();
    } catch (error) {
      if (!this.stopped) this.restart(error);
      return;
    }
    if (this.stopped) return;
    // Indexes are built once at the end of the catch-up; from here on every apply maintains them.
    this.engine.endBulkLoad();
    this.setRole('backup');
    this.markCaughtUp();
  }

  /** A broken tail starts over from the beginning with an empty state (a fold of the whole log). */
  private restart(error: unknown): void {
    if (this.stopped) return;
    const reason =
      error instanceof SpacelogError
        ? error
        : new LogReadError(`backup of partition ${this.options.partition} failed`, { cause: error });
    this.setRole('failed', reason);
    const reader = this.reader;
    this.reader = undefined;
    void reader?.stop();
    // Reading a corrupt log again gives the same records: the backup stays failed and says why.
    if (reason instanceof CorruptLogError) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.stopped) return;
      this.engine.close();
      this.engine = this.freshEngine();
      this.current = 'warming';
      this.logging.transition('warming', undefined, () => this.facts());
      void this.tail();
    }, RETRY_MS);
    this.retry.unref();
  }

  private async halt(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.stopWaiters?.();
    const reader = this.reader;
    this.reader = undefined;
    await reader?.stop();
  }

  private stopWaiters: (() => void) | undefined;

  private stoppedSignal(): Promise<void> {
    return new Promise((resolve) => (this.stopWaiters = resolve));
  }

  private freshEngine(): SpaceEngine {
    const { options } = this;
    return new SpaceEngine({
      types: options.types,
      origin: options.origin,
      partition: options.partition,
      state: new PartitionState(options.types),
    });
  }

  private setRole(role: BackupRole, reason?: SpacelogError): void {
    this.current = role;
    this.logging.transition(role, reason, () => this.facts());
    this.options.onRoleChange?.(this.options.partition, role, reason);
  }

  private facts(): { entries: number; offset: number } {
    return { entries: this.engine.state.size, offset: this.next };
  }
}
