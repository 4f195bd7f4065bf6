import {
  CorruptLogError,
  FencedError,
  IllegalReplicaTransitionError,
  NotPrimaryError,
  PartitionNotReadyError,
  SpacelogError,
} from '../errors';
import type { LogReadProgress } from '../log/read/LogReader';
import { PartitionAppender } from '../log/append/PartitionAppender';
import { DEFAULT_MAX_RECORD_BYTES, maxRecordBatchBytes } from '../log/append/recordSize';
import type { AppendStats } from '../ops/metrics/AppendStats';
import type { OperationStats } from '../ops/metrics/OperationStats';
import { partitionTopic } from '../log/admin/topicNames';
import { errorFields, LOG_EVENT } from '../ops/logging/logEvents';
import { subscriptionErrorsToLog } from '../ops/logging/listenerErrors';
import { ReplicaLogging } from '../ops/logging/ReplicaLogging';
import type { EngineLimits } from '../space/ExecuteContext';
import { restoreEntry, type RestoredEntry } from '../space/restoreEntry';
import { SpaceEngine } from '../space/SpaceEngine';
import type { BackupHandover } from './BackupPartition';
import { noticeWhileSlow } from './noticeWhileSlow';
import { ReplicaLifecycle, type PrimaryStateName } from './ReplicaLifecycle';
import { replicaLogReader, type ReplicaLogOptions } from './ReplicaLog';
import { ReplicationSink, type ReplicationMode } from './ReplicationSink';
import { retry } from '../retry/Retrier';
import type { Backoff } from '../retry/backoff';

/** One resident entry with its version and lease. */
export interface StoredEntryView {
  readonly type: string;
  readonly id: string;
  readonly version: number;
  readonly leaseExpiresAt: number | null;
  readonly entry: Readonly<Record<string, unknown>>;
}

/**
 * Where a primary replica is in its life (its states in ReplicaLifecycle). `fenced`, `corrupt` (its
 * log cannot be folded: CorruptLogError) and `closed` are final; `failed` rebuilds.
 */
export type PrimaryRole = PrimaryStateName;

/** How long a warm-up step waits on Kafka before the primary says so (and again at each multiple). */
const SLOW_STEP_MS = 5_000;
/** The waits between a failed primary's rebuild attempts: 100 ms, doubling to 5 s, no jitter. */
const REBUILD_BACKOFF: Backoff = { initialMs: 100, maxMs: 5000, multiplier: 2, jitter: 'none' };

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
  private readonly lifecycle: ReplicaLifecycle<'primary'>;
  private engineNow: SpaceEngine | undefined;
  private appender: PartitionAppender | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private readyWaiters: { resolve: (engine: SpaceEngine) => void; reject: (error: unknown) => void }[] = [];
  private building: Promise<void> | undefined;
  private readonly logging: ReplicaLogging;

  constructor(private readonly options: PrimaryPartitionOptions) {
    this.logging = new ReplicaLogging(options.logger, 'primary');
    this.lifecycle = new ReplicaLifecycle('primary', this.context());
    // Every move is logged, then told to the owner (which counts it and tells the partition's events).
    this.lifecycle.addListener(({ to, cause }) => this.logging.transition(to, cause, () => this.facts()));
    const { onRoleChange } = options;
    if (onRoleChange !== undefined)
      this.lifecycle.addListener(({ to, cause }) => onRoleChange(options.partition, to, cause));
  }

  get role(): PrimaryRole {
    return this.lifecycle.name;
  }

  /** Serving as primary. */
  get ready(): boolean {
    return this.lifecycle.ready;
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
    return this.lifecycle.ready ? this.engineNow : undefined;
  }

  /**
   * The serving engine. During warm-up or a rebuild it waits up to `readyWaitMs`, then throws the
   * retriable PartitionNotReadyError; once fenced or closed it throws at once.
   */
  engine(): SpaceEngine | Promise<SpaceEngine> {
    if (this.lifecycle.ready && this.engineNow) return this.engineNow;
    const finalError = this.lifecycle.finalError;
    if (finalError) throw finalError;
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
    if (this.lifecycle.name === 'closed') return;
    const wasServing = this.lifecycle.ready;
    this.finish(
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
    const finalError = this.lifecycle.finalError;
    if (finalError) throw finalError;
    this.lifecycle.transition('warming');
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
      onFenced: (error) => this.refusingIllegal(() => this.fenced(error)),
      onFailed: (error) => this.refusingIllegal(() => this.failed(appender, error)),
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
      if (error instanceof CorruptLogError && !this.lifecycle.finalError) this.finish('corrupt', error);
      // Any other failed attempt is logged as `failed` (a `rebuild` record) but the primary stays
      // warming: no state changes, and the caller (its rebuild, a unit's promotion) tries again.
      else if (!this.lifecycle.finalError) this.logging.transition('failed', error, () => this.facts());
      throw error;
    }
    if (this.lifecycle.finalError || this.appender !== appender) {
      engine.close();
      return;
    }
    this.engineNow = engine;
    this.lifecycle.transition('primary');
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
    await this.slowStep('fencing the older writer', appender.start());
    const handover =
      options.handover && (await this.slowStep("taking over the backup's state", options.handover()));
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

  /** Awaits a warm-up step, logging a `warmup-slow` warning every SLOW_STEP_MS while it waits. */
  private slowStep<T>(step: string, running: Promise<T>): Promise<T> {
    return noticeWhileSlow(running, SLOW_STEP_MS, (waitedMs) =>
      this.options.logger?.warn(
        { event: LOG_EVENT.warmupSlow, replica: 'primary', step, waitedMs },
        `primary warm-up: ${step} has taken ${Math.round(waitedMs / 1000)} s so far`,
      ),
    );
  }

  private newEngine(appender: PartitionAppender, handover: BackupHandover | undefined): SpaceEngine {
    const { options } = this;
    const sink = new ReplicationSink(
      appender,
      options.replication,
      (e) => this.refusingIllegal(() => this.failed(appender, e)),
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
      // The record format is the log's: the engine gets its sizer to refuse what Kafka would.
      // The defaults go after the spread: a `maxRecordBytes: undefined` must not switch the check off.
      limits: {
        ...options.limits,
        maxRecordBytes: options.limits?.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
        recordBytes: maxRecordBatchBytes,
      },
      ...(options.stats ? { stats: options.stats.operations } : {}),
      onListenerError: options.onListenerError ?? subscriptionErrorsToLog(options.logger, options.partition),
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
    if (this.lifecycle.finalError) return;
    this.finish('fenced', this.options.movable ? this.moved(error) : error);
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
    if (this.lifecycle.finalError || this.appender !== appender || this.lifecycle.name === 'failed') return;
    this.lifecycle.check('failed');
    this.stopServing();
    this.lifecycle.transition('failed', error instanceof SpacelogError ? error : undefined);
    this.appender = undefined;
    void appender.close().catch(() => undefined);
    void this.rebuild();
  }

  /**
   * Starts again until it serves or, as seen before an attempt, reached a final state (fenced,
   * corrupt, closed). Each failed attempt is told to onRoleChange as `failed`, though the primary
   * stays warming (a notification, not a move).
   */
  private async rebuild(): Promise<void> {
    await retry(
      async () => {
        if (this.lifecycle.finalError === undefined) await this.start();
      },
      {
        delay: REBUILD_BACKOFF,
        retriable: () => true,
        exhausted: 'last',
        onRetry: (error) =>
          this.options.onRoleChange?.(
            this.options.partition,
            'failed',
            error instanceof SpacelogError ? error : undefined,
          ),
      },
    );
  }

  private stopServing(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
    this.engineNow?.close();
    this.engineNow = undefined;
  }

  /** Stops serving for good: the state carries `error`, which every waiting and later operation gets. */
  private finish(to: 'fenced' | 'corrupt' | 'closed', error: SpacelogError): void {
    this.lifecycle.check(to);
    this.stopServing();
    this.lifecycle.transition(to, error);
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(error);
  }

  /**
   * Runs a move asked by the appender (fenced, failed), which must not get an error back for it: a
   * move the primary's life refuses is logged as the bug it is, and the primary stays where it was.
   */
  private refusingIllegal(move: () => void): void {
    try {
      move();
    } catch (error) {
      if (!(error instanceof IllegalReplicaTransitionError)) throw error;
      this.logging.refused(error);
    }
  }

  private facts(): { entries: number } {
    return { entries: this.size };
  }

  private notReady(): PartitionNotReadyError {
    return new PartitionNotReadyError(
      `partition ${this.options.partition} of space '${this.options.space}' is ${this.lifecycle.name}, not serving yet; retry`,
      this.context(),
    );
  }

  private context(): { space: string; partition: number } {
    return { space: this.options.space, partition: this.options.partition };
  }
}
