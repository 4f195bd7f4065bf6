import { CorruptLogError, IllegalReplicaTransitionError, LogReadError, SpacelogError } from '../errors';
import type { LogReader } from '../log/read/LogReader';
import { partitionTopic } from '../log/admin/topicNames';
import { ReplicaLogging } from '../ops/logging/ReplicaLogging';
import { PartitionState } from '../space/PartitionState';
import { SpaceEngine } from '../space/SpaceEngine';
import { ReplicaLifecycle, type BackupStateName } from './ReplicaLifecycle';
import { replicaLogReader, type ReplicaLogOptions } from './ReplicaLog';

/** Where a backup replica is in its life (its states in ReplicaLifecycle). */
export type BackupRole = BackupStateName;

/** What a backup needs. */
export interface BackupPartitionOptions extends ReplicaLogOptions {
  /**
   * Told of every role change but the moves to `warming` (caught up as `backup`, failures, handed
   * over, closed): the unit announces a backup's first warm-up itself, and a tail that starts over
   * after a failure is only logged.
   */
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
  private readonly lifecycle: ReplicaLifecycle<'backup'>;
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
    this.lifecycle = new ReplicaLifecycle('backup', { space: options.space, partition: options.partition });
    this.lifecycle.addListener(({ to, cause }) => this.logging.transition(to, cause, () => this.facts()));
    const { onRoleChange } = options;
    if (onRoleChange !== undefined) {
      this.lifecycle.addListener(({ to, cause }) => {
        // As before the lifecycle: a move to warming (the start, a tail starting over after a
        // failure) reaches the log but not onRoleChange.
        if (to !== 'warming') onRoleChange(options.partition, to, cause);
      });
    }
    this.engine = this.freshEngine();
    this.caughtUp = new Promise((resolve) => (this.markCaughtUp = resolve));
  }

  get partition(): number {
    return this.options.partition;
  }

  get role(): BackupRole {
    return this.lifecycle.name;
  }

  /** Caught up once and tailing. */
  get ready(): boolean {
    return this.lifecycle.ready;
  }

  /** Offsets behind the log end seen by the last fetch. */
  get lag(): number {
    return Math.max(0, this.end - this.next);
  }

  /** Share of the initial catch-up done, 0..100. */
  get warmupPercent(): number {
    const role = this.lifecycle.name;
    return role === 'created' || role === 'warming' ? this.percent : 100;
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
    this.lifecycle.transition('warming');
    void this.tail();
    return Promise.race([this.caughtUp, this.stoppedSignal()]);
  }

  /**
   * Stops tailing and gives up the folded state: the caller (a primary being promoted, after it
   * fenced the old one) folds the log on from `nextOffset`. The backup is finished afterwards.
   */
  async handOver(): Promise<BackupHandover> {
    this.lifecycle.check('handed-over');
    await this.halt();
    this.lifecycle.transition('handed-over');
    const state = this.engine.state;
    this.engine.endBulkLoad();
    return { state, nextOffset: this.next };
  }

  /** Stops tailing and drops the state. Idempotent. */
  async close(): Promise<void> {
    if (this.finished()) return;
    await this.halt();
    // A close or a hand-over that ran while this one halted has finished the backup already.
    if (!this.finished()) this.lifecycle.transition('closed');
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
    if (this.move('backup')) this.markCaughtUp();
  }

  /** A broken tail starts over from the beginning with an empty state (a fold of the whole log). */
  private restart(error: unknown): void {
    // Failed already: its restart is scheduled (or it stays failed on a corrupt log).
    if (this.stopped || this.lifecycle.name === 'failed') return;
    const reason =
      error instanceof SpacelogError
        ? error
        : new LogReadError(`backup of partition ${this.options.partition} failed`, { cause: error });
    if (!this.move('failed', reason)) return;
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
      if (this.move('warming')) void this.tail();
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

  /** Handed over or closed: nothing more happens to it. */
  private finished(): boolean {
    const role = this.lifecycle.name;
    return role === 'closed' || role === 'handed-over';
  }

  /**
   * A move of the tail's own (caught up, failed, starting over), where nothing may throw: a move the
   * backup's life refuses is logged as the bug it is and the backup stays where it was (false).
   */
  private move(to: 'backup' | 'failed' | 'warming', reason?: SpacelogError): boolean {
    try {
      this.lifecycle.transition(to, reason);
      return true;
    } catch (error) {
      if (!(error instanceof IllegalReplicaTransitionError)) throw error;
      this.logging.refused(error);
      return false;
    }
  }

  private facts(): { entries: number; offset: number } {
    return { entries: this.engine.state.size, offset: this.next };
  }
}
