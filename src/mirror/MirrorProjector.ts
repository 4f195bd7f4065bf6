import type { Knex } from 'knex';
import { mirrorMetrics } from './mirrorMetrics';
import type { MetricsSnapshot } from '../ops/metrics/MetricsSnapshot';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { MirrorStoppedError, SpaceNotFoundError, SpacelogError } from '../errors';
import { DEFAULT_PREFIX } from '../log/admin/topicNames';
import { GroupJoinWatch } from '../log/connection/GroupJoinWatch';
import type { KafkaConnection } from '../log/connection/KafkaConnection';
import { KAFKA_CLIENT_IDS, kafkaOn, openKafka } from '../log/connection/openKafka';
import { resolveLogger } from '../ops/logging/createLogger';
import { MirrorLogging } from './MirrorLogging';
import { fetchLogEndOffsets } from '../log/read/logEndOffsets';
import { SchemaTopic } from '../log/read/SchemaTopic';
import { TopicAdmin } from '../log/admin/TopicAdmin';
import { checkPrefix, checkSpaceName, parsePartitionTopic, partitionTopic } from '../log/admin/topicNames';
import { SchemaLoader } from '../schema/SchemaLoader';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { BatchWriter, MirrorRewind } from './BatchWriter';
import { checkMirrorSchema } from './checkMirrorSchema';
import type { LoggedMutation } from './coalesce';
import { DeadLetterStore, type DeadLetter } from './DeadLetterStore';
import {
  checkMirrorOptions,
  DEFAULT_MIRROR_CONCURRENCY,
  DEFAULT_MIRROR_SCHEMA,
  DEFAULT_ON_POISON,
  type MirrorOptions,
} from './MirrorConfig';
import { mirrorConsumerConfig } from './mirrorKafkaConfig';
import { fetchEndOffsets, lagOf, type PartitionLag } from './MirrorLag';
import { MirrorRecordDecoder } from './MirrorRecordDecoder';
import { OffsetStore } from './OffsetStore';
import { PartitionRebuilder } from './PartitionRebuilder';
import { readPartitionFold } from './readPartitionFold';
import { reconcileReason } from './tombstoneHorizon';
import { fetchDeleteRetentionMs } from './topicRetention';
import { openMirrorDatabase } from './openMirrorDatabase';
import { resolveDatabaseConfig, type DatabaseConfig } from './resolveDatabaseConfig';
import { PositionWaiters } from './PositionWaiters';
import { DEFAULT_RETRY_POLICY, retryDatabase, type RetryPolicy } from './retryDatabase';
import { createMirrorTables } from './createMirrorTables';
import { migrateLatest } from './SpacelogMigrations';
import { mapEntryType, type TableMapping } from './TableMapping';
import type { MirrorPosition } from './waitForMirror';
import { withDefaults } from '../config/withDefaults';

/**
 * The write-behind mirror of one space (docs/design.md law 5): a Kafka consumer group (`<prefix>.<space>.mirror`,
 * read_committed) over every partition log, turning each fetched batch into ONE PostgreSQL
 * transaction that upserts / deletes the coalesced rows and moves the partition's offset in
 * `spacelog_offsets`. Those offsets are the truth: on every assignment the consumer seeks there, and
 * each transaction re-reads its partition's offset under a row lock and drops what is already
 * applied, so a crash, a restart or a rebalance never loses or doubles a change.
 *
 * PostgreSQL outages are waited out with capped exponential backoff, never skipped (docs/design.md law 6); `lag()`
 * tells how far behind it is. A record it cannot project goes to `spacelog_dead_letters` in the
 * transaction that moves the offset past it (`onPoison: 'dead-letter'`, the default; `lag()` counts
 * them), or stops it with MirrorPoisonRecordError (`onPoison: 'stop'`).
 *
 * Kafka's cleaner removes TAKE / EXPIRE tombstones `delete.retention.ms` after they were appended: a
 * partition resumed from a position older than that (or below the log start) could miss them and keep
 * rows of taken entries for ever. So every resume (start, rebalance, rewind) checks the stored
 * position against the horizon and, past it, rebuilds the partition's rows from the restore fold of
 * its whole log in one transaction with the new offset (`onReconcile`, counted by `lag()`).
 * Embeddable: `await new MirrorProjector({ space, schemas, database }).start()`.
 */
export class MirrorProjector {
  readonly space: string;
  readonly schema: string;
  readonly prefix: string;
  private readonly options: MirrorOptions;
  /** The client (no connection made yet): built with the options, so bad settings fail `new`. */
  private readonly client: Kafka;
  /** The database settings when the projector opens its own pool (not given a knex instance). */
  private readonly databaseConfig: DatabaseConfig | undefined;
  private readonly policy: RetryPolicy;
  private readonly waiters: PositionWaiters;
  private readonly logging: MirrorLogging;
  private readonly oldestUnapplied = new Map<number, number>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private knex: Knex | undefined;
  private ownsKnex = false;
  private kafka: Kafka | undefined;
  private topicAdmin: TopicAdmin | undefined;
  private admin: Admin | undefined;
  private consumer: Consumer | undefined;
  /** The consumer's first group join, which a stop lets end before disconnecting. */
  private readonly join = new GroupJoinWatch();
  private decoder: MirrorRecordDecoder | undefined;
  private writer: BatchWriter | undefined;
  private rebuilder: PartitionRebuilder | undefined;
  /** Partitions being resumed (horizon check, maybe a rebuild): their batches are dropped meanwhile. */
  private readonly resuming = new Map<number, Promise<void>>();
  private readonly reconcileCounts = new Map<number, number>();
  private offsets: OffsetStore;
  private readonly deadLetters: DeadLetterStore | undefined;
  private readonly deadLetterCounts = new Map<number, number>();
  private topics: string[] = [];
  private failed: SpacelogError | undefined;
  private stopping: Promise<void> | undefined;
  private resolveStopped: ((failure: SpacelogError | undefined) => void) | undefined;
  /** Resolves when the projector has stopped, with the failure that stopped it, if any. */
  readonly stopped: Promise<SpacelogError | undefined>;

  /**
   * @param connection internal: how a grid reaches Kafka (`GridMirror`), used as it is, not resolved
   * again; `options.kafka` is then not read.
   */
  constructor(options: MirrorOptions, connection?: KafkaConnection) {
    checkMirrorOptions(options);
    checkSpaceName(options.space);
    this.options = options;
    this.space = options.space;
    this.schema = options.schema ?? DEFAULT_MIRROR_SCHEMA;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    checkPrefix(this.prefix);
    // Resolved now, so a missing certificate or password file is refused before anything connects.
    const logger = resolveLogger(options.logger).child({ component: 'mirror', space: options.space });
    this.logging = new MirrorLogging(logger);
    const use = { clientId: KAFKA_CLIENT_IDS.mirror(options.space), logger };
    this.client = (connection === undefined ? openKafka(options.kafka, use) : kafkaOn(connection, use)).kafka;
    this.databaseConfig =
      typeof options.database === 'function' ? undefined : resolveDatabaseConfig(options.database);
    this.policy = withDefaults(DEFAULT_RETRY_POLICY, options.retry);
    this.waiters = new PositionWaiters(this.space);
    this.offsets = new OffsetStore(this.schema, this.space);
    if ((options.onPoison ?? DEFAULT_ON_POISON) === 'dead-letter')
      this.deadLetters = new DeadLetterStore(this.schema, this.space);
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  /** The failure that stopped the projector, if any. */
  get failure(): SpacelogError | undefined {
    return this.failed;
  }

  /** Next offset to apply per partition, as this projector last committed or read it. */
  get appliedOffsets(): ReadonlyMap<number, number> {
    return this.waiters.positions;
  }

  /**
   * Connects, applies Spacelog's own migrations, checks the mirror tables against the entry types
   * (MirrorSchemaMismatchError when they differ), and starts consuming. Waits out a PostgreSQL outage.
   * Resolves once consuming, not once caught up (see `waitForCatchUp`).
   */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      await this.stop();
      throw error;
    }
    // stop() ran while connecting: what connected after it must not outlive it.
    if (this.abort.signal.aborted) {
      await this.release();
      throw this.failed ?? new MirrorStoppedError('mirror stopped while starting', { space: this.space });
    }
  }

  private async connect(): Promise<void> {
    const types = this.loadTypes();
    const mappings = new Map<string, TableMapping>(
      [...types].map((t) => [t.name, mapEntryType(this.space, t, this.schema)]),
    );
    const knex = this.connectDatabase();
    const applied = await this.retry(async () => {
      if (this.options.migrate !== false) await migrateLatest({ knex, schema: this.schema });
      if (this.options.createTables === true) {
        await createMirrorTables({
          knex,
          schema: this.schema,
          space: this.space,
          types,
          history: this.options.history === true,
        });
      }
      await checkMirrorSchema(knex, [...mappings.values()], this.options.history === true);
      const counts = (await this.deadLetters?.countAll(knex)) ?? new Map<number, number>();
      for (const [partition, count] of counts) this.deadLetterCounts.set(partition, count);
      return this.offsets.readPositions(knex);
    });
    for (const [partition, position] of applied) {
      this.waiters.advance(partition, position.offset);
      this.reconcileCounts.set(partition, position.reconciles);
    }
    this.writer = new BatchWriter(
      knex,
      this.offsets,
      mappings,
      this.space,
      this.options.history === true ? { schema: this.schema } : undefined,
      this.deadLetters,
    );
    this.rebuilder = new PartitionRebuilder(knex, this.offsets, mappings, this.space, this.deadLetters);

    const kafka = this.client;
    this.kafka = kafka;
    this.topicAdmin = new TopicAdmin({ kafka, prefix: this.prefix });
    const partitions = await this.topicAdmin.describeSpace(this.space);
    if (partitions === undefined) {
      throw new SpaceNotFoundError(
        `space ${this.space} has no partition topics under prefix ${this.prefix}`,
        { space: this.space },
      );
    }
    this.topics = Array.from({ length: partitions }, (_, k) => partitionTopic(this.prefix, this.space, k));
    const schemaTopic = new SchemaTopic({ kafka, topics: this.topicAdmin });
    this.decoder = await MirrorRecordDecoder.load(this.space, types, schemaTopic);
    this.admin = kafka.admin();
    await this.admin.connect();
    await this.runConsumer(kafka);
  }

  /** How far behind each partition the mirror is (asks Kafka for the log ends), and its dead letters. */
  async lag(): Promise<PartitionLag[]> {
    if (this.admin === undefined)
      throw new MirrorStoppedError('mirror is not running', { space: this.space });
    const ends = await fetchEndOffsets(this.admin, this.topics);
    return lagOf(this.waiters.positions, ends, this.oldestUnapplied, {
      deadLetters: this.deadLetterCounts,
      reconciles: this.reconcileCounts,
    });
  }

  /**
   * The mirror's metrics (lag in records and seconds, applied offset, dead letters, reconciles per
   * partition; whether it runs): see docs/operations.md. A mirror not running reports only that.
   */
  async metrics(): Promise<MetricsSnapshot> {
    const up = this.admin !== undefined && this.failure === undefined;
    return mirrorMetrics(this.space, this.admin === undefined ? [] : await this.lag(), up);
  }

  /**
   * Read-your-writes: resolves once the record at `position` (a partition and the offset of an
   * acknowledged write) is in PostgreSQL. Rejects with MirrorWaitTimeoutError, or MirrorStoppedError /
   * the projector's failure if it stops first.
   */
  waitFor(position: MirrorPosition, timeoutMs: number): Promise<void> {
    return this.waiters.wait(position, timeoutMs);
  }

  /** Resolves once every partition is applied up to the log end as it is now. */
  async waitForCatchUp(timeoutMs: number): Promise<void> {
    if (this.admin === undefined)
      throw new MirrorStoppedError('mirror is not running', { space: this.space });
    const ends = await fetchEndOffsets(this.admin, this.topics);
    await Promise.all(
      ends.map((end, partition) =>
        end > 0 ? this.waitFor({ partition, offset: end - 1 }, timeoutMs) : undefined,
      ),
    );
  }

  /** Stops consuming, lets the batch in flight finish or give up, and disconnects. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      this.waiters.failAll(this.failed ?? new MirrorStoppedError('mirror stopped', { space: this.space }));
      await this.release();
      this.resolveStopped?.(this.failed);
    })();
    return this.stopping;
  }

  private async release(): Promise<void> {
    if (this.consumer !== undefined) await this.join.disconnect(this.consumer);
    await Promise.allSettled([...this.background]);
    await this.admin?.disconnect().catch(() => undefined);
    await this.topicAdmin?.close().catch(() => undefined);
    if (this.ownsKnex) await this.knex?.destroy().catch(() => undefined);
  }

  private loadTypes(): TypeRegistry {
    const schemas = this.options.schemas;
    return typeof schemas === 'string' ? SchemaLoader.loadFolder(schemas) : schemas;
  }

  private connectDatabase(): Knex {
    const database = this.options.database;
    if (typeof database === 'function') return (this.knex = database);
    this.ownsKnex = true;
    this.knex = openMirrorDatabase(
      this.databaseConfig ?? resolveDatabaseConfig(database),
      this.options.concurrency ?? DEFAULT_MIRROR_CONCURRENCY,
    );
    return this.knex;
  }

  private async runConsumer(kafka: Kafka): Promise<void> {
    const consumer = kafka.consumer(mirrorConsumerConfig(this.options, this.prefix));
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const topic of Object.keys(payload.memberAssignment)) this.resume(topic);
    });
    // A fetch holding only transaction markers (or aborted records) never reaches eachBatch:
    // move the applied position over it, or the lag would never reach 0.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const partition = parsePartitionTopic(this.prefix, this.space, payload.topic);
      if (payload.batchSize !== 0 || partition === undefined || this.resuming.has(partition)) return;
      const next = Number(payload.lastOffset) + 1;
      const coveredAt = next >= Number(payload.highWatermark) ? Date.now() : undefined;
      if ((this.waiters.positions.get(partition) ?? 0) < next)
        this.track(this.applyBatch(partition, [], next, { coveredAt }));
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart)
        this.fail(
          new MirrorStoppedError(`mirror consumer crashed: ${payload.error.message}`, {
            space: this.space,
            cause: payload.error,
          }),
        );
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.join.run(consumer, {
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.concurrency ?? DEFAULT_MIRROR_CONCURRENCY,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /**
   * Resumes a partition (on assignment, or after a rewind): its batches are dropped until the consumer
   * is positioned at the offset in spacelog_offsets (Kafka's own are not used), after a rebuild from
   * the whole log if that offset is past the tombstone horizon.
   */
  private resume(topic: string): void {
    const partition = parsePartitionTopic(this.prefix, this.space, topic);
    if (partition === undefined || this.resuming.has(partition)) return;
    const work = this.seekToApplied(topic, partition).finally(() => this.resuming.delete(partition));
    this.resuming.set(partition, work);
    this.track(work);
  }

  private async seekToApplied(topic: string, partition: number): Promise<void> {
    const knex = this.knex;
    if (knex === undefined) return;
    const stored = (await this.retry(() => this.offsets.readPositions(knex))).get(partition);
    let offset = stored?.offset ?? 0;
    const kafka = this.kafka;
    const admin = this.admin;
    if (offset > 0 && kafka !== undefined && admin !== undefined && !this.abort.signal.aborted) {
      const now = Date.now();
      const [ends, deleteRetentionMs] = await Promise.all([
        fetchLogEndOffsets(kafka, topic),
        fetchDeleteRetentionMs(admin, topic),
      ]);
      const reason = reconcileReason({
        appliedOffset: offset,
        coveredAt: stored?.coveredAt ?? null,
        logStart: ends.low,
        logEnd: ends.high,
        deleteRetentionMs,
        now,
      });
      if (reason !== undefined) offset = await this.reconcile(topic, partition, offset, reason);
    }
    this.waiters.rewind(partition, offset);
    this.waiters.advance(partition, offset);
    // Always, even to offset 0: the batches fetched while the position was read were dropped, and
    // only a seek fetches them again (kafkajs skips batches fetched before a pending seek).
    if (this.abort.signal.aborted === false) {
      this.consumer?.seek({ topic, partition: 0, offset: String(offset) });
    }
  }

  /** Rebuilds a partition from its whole log; returns the position after it. */
  private async reconcile(
    topic: string,
    partition: number,
    fromOffset: number,
    reason: NonNullable<ReturnType<typeof reconcileReason>>,
  ): Promise<number> {
    const kafka = this.kafka;
    const decoder = this.decoder;
    const rebuilder = this.rebuilder;
    if (kafka === undefined || decoder === undefined || rebuilder === undefined) return fromOffset;
    // No fetch of this partition meanwhile: the read below is the one that counts.
    this.consumer?.pause([{ topic }]);
    try {
      // Every record after the read's end was appended after this instant.
      const readAt = Date.now();
      const fold = await readPartitionFold({
        kafka,
        topic,
        partition,
        decoder,
        deadLetter: this.deadLetters !== undefined,
      });
      const outcome = await this.retry(() =>
        rebuilder.rebuild(partition, fold.live, fold.nextOffset, readAt, fold.undecodable),
      );
      if (outcome.rebuilt) {
        this.reconcileCounts.set(partition, (this.reconcileCounts.get(partition) ?? 0) + 1);
        if (outcome.deadLetters > 0)
          this.deadLetterCounts.set(
            partition,
            (this.deadLetterCounts.get(partition) ?? 0) + outcome.deadLetters,
          );
        const event = {
          partition,
          reason,
          fromOffset,
          toOffset: outcome.appliedOffset,
          records: fold.records,
          rows: outcome.rows,
          removed: outcome.removed,
        };
        this.logging.reconciled(event);
        this.logging.deadLettered(outcome.letters ?? []);
        this.options.onReconcile?.(event);
      }
      return outcome.appliedOffset;
    } finally {
      this.consumer?.resume([{ topic }]);
    }
  }

  private async onBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    const receivedAt = Date.now();
    const partition = parsePartitionTopic(this.prefix, this.space, batch.topic);
    if (partition === undefined || this.abort.signal.aborted || this.resuming.has(partition)) return;
    const applied = this.waiters.positions.get(partition) ?? 0;
    const messages = batch.messages.filter((m) => Number(m.offset) >= applied);
    const next = Number(batch.lastOffset()) + 1;
    if (next <= applied) return;
    try {
      const decoded = await this.decoder?.decode(partition, messages, this.deadLetters !== undefined);
      const first = decoded?.mutations[0];
      if (first !== undefined) this.oldestUnapplied.set(partition, first.mutation.timestamp);
      const undecodable = decoded?.undecodable ?? [];
      // Nothing after `next` was appended before: the newest mutation's timestamp, or, when the batch
      // reached the log end, the instant it was fetched (see StoredPosition.coveredAt).
      let coveredAt: number | undefined;
      if (next >= Number(batch.highWatermark)) coveredAt = receivedAt;
      else
        for (const m of decoded?.mutations ?? []) coveredAt = Math.max(coveredAt ?? 0, m.mutation.timestamp);
      await this.applyBatch(
        partition,
        decoded?.mutations ?? [],
        next,
        { heartbeat, undecodable, coveredAt },
        Number(batch.highWatermark),
      );
    } catch (error) {
      if (error instanceof SpacelogError) this.fail(error);
      else
        this.fail(
          new MirrorStoppedError(`mirror failed: ${String(error)}`, { space: this.space, cause: error }),
        );
    }
  }

  private async applyBatch(
    partition: number,
    decoded: readonly LoggedMutation[],
    next: number,
    extra: {
      heartbeat?: () => Promise<void>;
      undecodable?: readonly DeadLetter[];
      coveredAt?: number | undefined;
    } = {},
    endOffset = next,
  ): Promise<void> {
    const writer = this.writer;
    if (writer === undefined) return;
    try {
      const expected = this.waiters.positions.get(partition) ?? 0;
      const outcome = await this.retry(
        () => writer.apply(partition, decoded, next, expected, extra.undecodable, extra.coveredAt),
        extra.heartbeat,
      );
      if (outcome.deadLetters > 0)
        this.deadLetterCounts.set(
          partition,
          (this.deadLetterCounts.get(partition) ?? 0) + outcome.deadLetters,
        );
      this.logging.deadLettered(outcome.letters ?? []);
      this.oldestUnapplied.delete(partition);
      this.waiters.advance(partition, outcome.appliedOffset);
      this.options.onProgress?.({
        partition,
        appliedOffset: outcome.appliedOffset,
        endOffset: Math.max(endOffset, outcome.appliedOffset),
        mutations: outcome.mutations,
      });
    } catch (error) {
      if (this.abort.signal.aborted && error instanceof MirrorStoppedError) return;
      if (!(error instanceof MirrorRewind)) throw error;
      // Drop the batch and read again from what PostgreSQL really holds, at once (a batch fetched
      // before the seek would start past the gap). An old backup of the database may hold a position
      // past the tombstone horizon: resume checks it (and seeks again, maybe after a rebuild).
      this.waiters.rewind(partition, error.appliedOffset);
      const topic = this.topics[partition];
      if (topic === undefined) return;
      this.consumer?.seek({ topic, partition: 0, offset: String(error.appliedOffset) });
      this.resume(topic);
    }
  }

  private retry<T>(attempt: () => Promise<T>, heartbeat?: () => Promise<void>): Promise<T> {
    // An outage is logged once when it begins and once when it ends, whatever the calls waiting it out.
    const watch = this.logging.databaseCall();
    const onRetry = this.options.onRetry;
    return retryDatabase(attempt, {
      policy: this.policy,
      signal: this.abort.signal,
      onRetry: (error, attempts, delayMs) => {
        watch.failed(error);
        onRetry?.(error, attempts, delayMs);
      },
      ...(heartbeat === undefined ? {} : { whileWaiting: heartbeat }),
    }).then(
      (value) => {
        watch.done(true);
        return value;
      },
      (error: unknown) => {
        watch.done(false);
        throw error;
      },
    );
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => {
      if (this.abort.signal.aborted) return;
      this.fail(
        error instanceof SpacelogError
          ? error
          : new MirrorStoppedError(String(error), { space: this.space, cause: error }),
      );
    });
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
  }

  private fail(error: SpacelogError): void {
    if (this.failed !== undefined || this.abort.signal.aborted) return;
    this.failed = error;
    this.logging.stopped(error);
    this.options.onError?.(error);
    // Not awaited: the consumer's disconnect waits for the batch that is failing right now.
    void this.stop();
  }
}
