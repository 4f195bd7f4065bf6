import {
  CorruptLogError,
  FencedError,
  NotPrimaryError,
  PartitionNotReadyError,
  SpacelogError,
} from '../errors';
import type { LogReadProgress } from '../log/LogReader';
import { PartitionAppender } from '../log/PartitionAppender';
import type { AppendStats } from '../ops/metrics/AppendStats';
import type { OperationStats } from '../ops/metrics/OperationStats';
import { partitionTopic } from '../log/topicNames';
import { errorFields, LOG_EVENT } from '../ops/logging/logEvents';
import { ReplicaLogging } from '../ops/logging/ReplicaLogging';
import type { EngineLimits } from '../space/ExecuteContext';
import { restoreEntry, type RestoredEntry } from '../space/restoreEntry';
import { SpaceEngine } from '../space/SpaceEngine';
import type { BackupHandover } from './BackupPartition';
import { replicaLogReader, type ReplicaLogOptions } from './ReplicaLog';
import { ReplicationSink, type ReplicationMode } from './ReplicationSink';

/** One resident entry with its version and lease. */
export interface StoredEntryView {
  readonly type: string;
  readonly id: string;
  readonly version: number;
  readonly leaseExpiresAt: number | null;
  readonly entry: Readonly<Record<string, unknown>>;
}

/**
 * Where a primary replica is in its life. `fenced`, `corrupt` (its log cannot be folded: CorruptLogError)
 * and `closed` are final; `failed` rebuilds.
 */
export type PrimaryRole = 'created' | 'warming' | 'primary' | 'failed' | 'fenced' | 'corrupt' | 'closed';

/** Everything one partition's primary needs. */
export interface PrimaryPartitionOptions extends ReplicaLogOptions {
  readonly replication: ReplicationMode;
  readonly asyncWindow?: number;
  readonly limits?: EngineLimits;
  readonly clock?: () => number;
  /** How often leases are checked for expiry. */
  readonly leaseSweepMs: number;
  /** How long an operation arriving during warm-up waits before PartitionNotReadyError. */
  readonly readyWaitMs: number;
  readonly appender?: {
    readonly lingerMs?: number;
    readonly maxBatchRecords?: number;
    readonly maxBatchBytes?: number;
  };
  readonly onProgress?: (partition: number, progress: LogReadProgress) => void;
  readonly onRoleChange?: (partition: number, role: PrimaryRole, reason?: SpacelogError) => void;
  /**
   * Warm-up from a snapshot (the PostgreSQL mirror): the entries it holds and the log offset it
   * covers; the log is then tailed from that offset. When it fails, the warm-up reads the whole log.
   */
  readonly snapshot?: () => Promise<{
    readonly nextOffset: number;
    readonly entries: readonly RestoredEntry[];
  }>;
  /** The snapshot could not be read: the warm-up fell back to the log. */
  readonly onSnapshotError?: (partition: number, error: unknown) => void;
  /** Errors thrown by the engine's subscription listeners (the default logs them). */
  readonly onListenerError?: (error: unknown) => void;
  /**
   * Promotion of a backup: called once the older primary is fenced; the backup's state and the
   * offset it covers, or undefined to warm up from the log. Used instead of `snapshot`.
   */
  readonly handover?: () => Promise<BackupHandover | undefined>;
  /**
   * In a cluster the partition may move: being fenced means another unit took over, so operations
   * get the retriable NotPrimaryError (nothing of them was applied) instead of FencedError.
   */
  readonly movable?: boolean;
  /** Where the engine counts its operations and the appender its transactions (metrics). */
  readonly stats?: { readonly operations: OperationStats; readonly append: AppendStats };
}

/**
 * The primary of one partition in this process. Start: fence any older writer (a new transactional
 * producer epoch), then fold the log from the beginning with `apply` (warm-up) — or restore the
 * mirror's snapshot and fold the log from the offset it covers — then serve. Fencing
 * comes first so that no record of an older primary can land after the fold has read past it.
 * An append failure fail-stops the partition (pending operations get a retriable error) and it
 * rebuilds from the log; a fence makes it refuse everything with FencedError for good.
 */
export class PrimaryPartition {
  private current: PrimaryRole = 'created';
  private engineNow: SpaceEngine | undefined;
  private appender: PartitionAppender | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private finalError: SpacelogError | undefined;
  private readyWaiters: { resolve: (engine: SpaceEngine) => void; reject: (error: unknown) => void }[] = [];
  private building: Promise<void> | undefined;
  private readonly logging: ReplicaLogging;

  constructor(private readonly options: PrimaryPartitionOptions) {
    this.logging = new ReplicaLogging(options.logger, 'primary');
  }

  get role(): PrimaryRole {
    return this.current;
  }

  get partition(): number {
    return this.options.partition;
  }

  /** Entries resident (0 until warmed up). */
  get size(): number {
    return this.engineNow?.state.size ?? 0;
  }

  /** The resident entries while serving (none otherwise): for status, tests and comparisons with the log. */
  *entries(): IterableIterator<StoredEntryView> {
    if (this.engineNow) yield* this.engineNow.entries();
  }

  /** Fences older primaries, warms up from the log, then serves. Resolves once serving. */
  start(): Promise<void> {
    this.building ??= this.build().finally(() => (this.building = undefined));
    return this.building;
  }

  /** The engine while it serves as primary, without waiting (undefined otherwise): the hot path of collocated reads. */
  servingEngine(): SpaceEngine | undefined {
    return this.current === 'primary' ? this.engineNow : undefined;
  }

  /**
   * The serving engine. During warm-up or a rebuild it waits up to `readyWaitMs`, then throws the
   * retriable PartitionNotReadyError; once fenced or closed it throws at once.
   */
  engine(): SpaceEngine | Promise<SpaceEngine> {
    if (this.current === 'primary' && this.engineNow) return this.engineNow;
    if (this.finalError) throw this.finalError;
    return new Promise<SpaceEngine>((resolve, reject) => {
      const waiter = {
        resolve: (engine: SpaceEngine) => {
          clearTimeout(timer);
          resolve(engine);
        },
        reject: (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        reject(this.notReady());
      }, this.options.readyWaitMs);
      this.readyWaiters.push(waiter);
    });
  }

  /**
   * Stops serving and drains the appender: operations already applied are acknowledged once
   * appended; later ones get `reason` (default PartitionNotReadyError). Idempotent.
   */
  async close(reason?: SpacelogError): Promise<void> {
    if (this.current === 'closed') return;
    const wasServing = this.current === 'primary';
    this.setFinal(
      'closed',
      reason ?? new PartitionNotReadyError(`partition ${this.options.partition} is closed`, this.context()),
    );
    const appender = this.appender;
    this.appender = undefined;
    if (appender) {
      if (wasServing) await appender.flush().catch(() => undefined);
      await appender.close();
    }
  }

  private async build(): Promise<void> {
    const { options } = this;
    if (this.finalError) throw this.finalError;
    this.setRole('warming');
    const appender = new PartitionAppender({
      kafka: options.kafka,
      prefix: options.prefix,
      space: options.space,
      partition: options.partition,
      codec: options.codec,
      // The engine refuses what the topic would refuse; the appender splits its sends to fit the same bound.
      ...(options.limits?.maxRecordBytes !== undefined
        ? { maxRecordBytes: options.limits.maxRecordBytes }
        : {}),
      ...(options.appender ?? {}),
      // A partition that moves alone (a unit's) keeps its log to its own producer (docs/design.md law 3).
      sharesTransactions: options.movable !== true,
      ...(options.movable ? { fencedError: (fenced: FencedError) => this.moved(fenced) } : {}),
      onFenced: (error) => this.fenced(error),
      onFailed: (error) => this.failed(appender, error),
      ...(options.stats ? { stats: options.stats.append } : {}),
    });
    this.appender = appender;
    let engine: SpaceEngine | undefined;
    try {
      engine = await this.warmUp(appender);
    } catch (error) {
      // A failed build must not leave a started producer behind (a rebuild retries with a fresh one).
      if (this.appender === appender) this.appender = undefined;
      await appender.close().catch(() => undefined);
      // Folding the same log again meets the same record: stay unready for good and say why.
      if (error instanceof CorruptLogError && !this.finalError) this.setFinal('corrupt', error);
      else if (!this.finalError) this.logging.transition('failed', error, () => this.facts());
      throw error;
    }
    if (this.finalError || this.appender !== appender) {
      engine.close();
      return;
    }
    this.engineNow = engine;
    this.setRole('primary');
    this.sweep = setInterval(() => void engine.expireDue().catch(() => undefined), options.leaseSweepMs);
    this.sweep.unref();
    for (const waiter of this.readyWaiters.splice(0)) waiter.resolve(engine);
  }

  /**
   * Fences older writers (the appender's start), then builds the engine from a backup's state, the
   * snapshot or nothing, and folds the log from the offset that covers.
   */
  private async warmUp(appender: PartitionAppender): Promise<SpaceEngine> {
    const { options } = this;
    await appender.start();
    const handover = await options.handover?.();
    const engine = this.newEngine(appender, handover);
    try {
      // Not serving until caught up: index once at the end instead of per record (exact, much faster).
      // A handed-over state is already indexed and only a short tail remains.
      if (!handover) engine.beginBulkLoad();
      const fromOffset = handover ? handover.nextOffset : await this.restoreSnapshot(engine);
      const topic = partitionTopic(options.prefix, options.space, options.partition);
      const reader = replicaLogReader(options, {
        ...(fromOffset > 0 ? { fromOffset } : {}),
        onMutation: (mutation, offset) => engine.applyReplicated(mutation, { topic, offset }),
        onProgress: (progress) => options.onProgress?.(options.partition, progress),
      });
      await reader.readToEnd();
      await reader.stop();
      if (!handover) engine.endBulkLoad();
      return engine;
    } catch (error) {
      engine.close();
      throw error;
    }
  }

  private newEngine(appender: PartitionAppender, handover: BackupHandover | undefined): SpaceEngine {
    const { options } = this;
    const sink = new ReplicationSink(
      appender,
      options.replication,
      (e) => this.failed(appender, e),
      options.asyncWindow,
    );
    return new SpaceEngine({
      types: options.types,
      origin: options.origin,
      partition: options.partition,
      sink,
      // Multi-partition transaction commits hold this appender and may write through it.
      transactionLog: appender,
      ...(handover ? { state: handover.state } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.stats ? { stats: options.stats.operations } : {}),
      ...(options.onListenerError ? { onListenerError: options.onListenerError } : {}),
    });
  }

  /**
   * Loads the snapshot into the fresh engine, if there is one; returns the log offset to tail from
   * (0: the whole log). Read first, restored in one synchronous step: a failed read leaves the engine empty.
   */
  private async restoreSnapshot(engine: SpaceEngine): Promise<number> {
    const { snapshot, onSnapshotError, partition } = this.options;
    if (snapshot === undefined) return 0;
    let loaded;
    try {
      loaded = await snapshot();
    } catch (error) {
      this.options.logger?.warn(
        { event: LOG_EVENT.snapshotFallback, ...errorFields(error) },
        'the mirror snapshot could not be read: warming up from the whole log',
      );
      onSnapshotError?.(partition, error);
      return 0;
    }
    for (const entry of loaded.entries) restoreEntry(engine.state, entry);
    return loaded.nextOffset;
  }

  private fenced(error: FencedError): void {
    if (this.finalError) return;
    this.setFinal('fenced', this.options.movable ? this.moved(error) : error);
  }

  /** What operations of a fenced movable partition get: the partition moved, retry at its new primary. */
  private moved(fenced: FencedError): NotPrimaryError {
    return new NotPrimaryError(
      `partition ${this.options.partition} of space '${this.options.space}' moved to another primary; the operation was not applied, retry`,
      { ...this.context(), cause: fenced },
    );
  }

  /** Fail-stop: drop the in-memory state (it may hold unappended mutations) and rebuild from the log. */
  private failed(appender: PartitionAppender, error: unknown): void {
    if (this.finalError || this.appender !== appender || this.current === 'failed') return;
    this.stopServing();
    this.setRole('failed', error instanceof SpacelogError ? error : undefined);
    this.appender = undefined;
    void appender.close().catch(() => undefined);
    void this.rebuild();
  }

  private async rebuild(): Promise<void> {
    for (let attempt = 0; !this.finalError; attempt++) {
      try {
        await this.start();
        return;
      } catch (error) {
        this.options.onRoleChange?.(
          this.options.partition,
          'failed',
          error instanceof SpacelogError ? error : undefined,
        );
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }

  private stopServing(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
    this.engineNow?.close();
    this.engineNow = undefined;
  }

  private setFinal(role: 'fenced' | 'corrupt' | 'closed', error: SpacelogError): void {
    this.finalError = error;
    this.stopServing();
    this.setRole(role, error);
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(error);
  }

  private setRole(role: PrimaryRole, reason?: SpacelogError): void {
    this.current = role;
    this.logging.transition(role, reason, () => this.facts());
    this.options.onRoleChange?.(this.options.partition, role, reason);
  }

  private facts(): { entries: number } {
    return { entries: this.size };
  }

  private notReady(): PartitionNotReadyError {
    return new PartitionNotReadyError(
      `partition ${this.options.partition} of space '${this.options.space}' is ${this.current}, not serving yet; retry`,
      this.context(),
    );
  }

  private context(): { space: string; partition: number } {
    return { space: this.options.space, partition: this.options.partition };
  }
}
