import type { Producer, RecordMetadata } from 'kafkajs';
import {
  AppendFailedError,
  FencedError,
  InvalidArgumentError,
  PartitionNotReadyError,
  SpacelogError,
  type ErrorContext,
} from '../../errors';
import type { Mutation } from '../../space/Mutation';
import type { MutationSink } from '../../space/SpaceEngineOptions';
import type { PreparedRecords, TransactionLog } from '../../space/transaction/TransactionLog';
import { AppendHold, type HoldingAppender, type PreparedAppend } from './AppendHold';
import { GroupCommitQueue, type QueuedItem } from './GroupCommitQueue';
import {
  describeKafkaError,
  isCommitOutcomeUnknown,
  isFencingError,
  wrapKafkaError,
} from '../connection/kafkaErrors';
import { kafkaMessageOf, type LogMessage } from './kafkaMessage';
import { inTransaction, type TransactionFailure } from './kafkaTransaction';
import type { LogPosition } from '../codec/LogTypes';
import {
  APPENDER_RETRY,
  DEFAULT_LINGER_MS,
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_MAX_BATCH_RECORDS,
  DEFAULT_TRANSACTION_TIMEOUT_MS,
  type AppenderState,
  type AppenderStats,
  type PartitionAppenderOptions,
} from './PartitionAppenderOptions';
import {
  DEFAULT_MAX_RECORD_BYTES,
  MIN_MAX_RECORD_BYTES,
  recordBytesInBatch,
  splitByBytes,
} from './recordSize';
import { checkedPartitionTopic, transactionalIdOf } from '../admin/topicNames';

interface Pending extends QueuedItem<LogPosition[]> {
  /** The append's records as kafkajs messages (their size in the record format is exact, headers included). */
  readonly messages: readonly LogMessage[];
  /** Set on the barrier of a multi-partition commit (a batch of its own). */
  readonly hold?: AppendHold;
}

/**
 * The single writer of one partition log (docs/design.md law 3): a transactional producer whose
 * `transactional.id` is derived from space and partition. `start()` fences any older writer.
 * Concurrent appends are group-committed: each batch is ONE Kafka transaction (acks=all), and
 * every append in it resolves only once the commit is acknowledged (docs/design.md law 2). The first failure
 * ends the appender: `fenced` (another primary took over) or `failed` (fail-stop; rebuild from the log).
 */
export class PartitionAppender implements MutationSink, TransactionLog, HoldingAppender {
  readonly topic: string;
  readonly transactionalId: string;
  private readonly options: PartitionAppenderOptions;
  private readonly queue: GroupCommitQueue<Pending>;
  /** The topic's max.message.bytes: each Kafka send (one record batch) stays within it. */
  private readonly maxRecordBytes: number;
  private readonly unsettled = new Set<Promise<unknown>>();
  private producer: Producer | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private current: AppenderState = 'created';
  private failure: SpacelogError | undefined;
  private counters = { transactions: 0, records: 0 };

  constructor(options: PartitionAppenderOptions) {
    this.topic = checkedPartitionTopic(options.prefix, options.space, options.partition);
    this.options = options;
    this.transactionalId = transactionalIdOf(options.prefix, options.space, options.partition);
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (!Number.isSafeInteger(this.maxRecordBytes) || this.maxRecordBytes < MIN_MAX_RECORD_BYTES) {
      throw new InvalidArgumentError(
        `maxRecordBytes must be an integer >= ${MIN_MAX_RECORD_BYTES}, got ${this.maxRecordBytes}`,
      );
    }
    this.queue = new GroupCommitQueue<Pending>(
      {
        maxBatchRecords: options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS,
        maxBatchBytes: options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
        lingerMs: options.lingerMs ?? DEFAULT_LINGER_MS,
      },
      (batch) => this.sendBatch(batch),
    );
  }

  get state(): AppenderState {
    return this.current;
  }

  get stats(): AppenderStats {
    return { ...this.counters };
  }

  /**
   * Connects and initialises the transactional producer. This bumps the producer epoch of the
   * transactional id: an older writer is fenced and its open transaction aborted.
   */
  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  /**
   * Appends mutations atomically (one transaction); resolves once committed. A rejection is a
   * `SpacelogError` (`FencedError`, `AppendFailedError`) and then nothing of the call is acknowledged.
   */
  async append(mutations: readonly Mutation[]): Promise<void> {
    await this.appendWithPositions(mutations);
  }

  /** Like `append`, resolving with the log position of each mutation, in order. */
  appendWithPositions(mutations: readonly Mutation[]): Promise<LogPosition[]> {
    if (this.current !== 'ready' || this.closing !== undefined) return Promise.reject(this.notReady());
    if (mutations.length === 0) return Promise.resolve([]);
    let messages: LogMessage[];
    try {
      messages = mutations.map((m) => kafkaMessageOf(this.options.codec.encode(m)));
    } catch (error) {
      // The engine validates every mutation before it applies it, so only a bug gets here; but these
      // are applied already: the partition must fail stop and rebuild, and it is told so (after this
      // call returns: the engine is still inside the operation that applied them).
      const failed = new AppendFailedError(`could not encode mutation: ${String(error)}`, false, {
        ...this.context(),
        cause: error,
      });
      this.endFailed(failed, [], true);
      return Promise.reject(failed);
    }
    let bytes = 0;
    const stats = this.options.stats;
    for (let i = 0; i < messages.length; i++) {
      const size = recordBytesInBatch(messages[i]!.tailBytes);
      bytes += size;
      stats?.addBytes(mutations[i]!.type, size);
    }
    const promise = new Promise<LogPosition[]>((resolve, reject) =>
      this.queue.push({ messages, records: messages.length, bytes, resolve, reject }),
    );
    this.track(promise);
    return promise;
  }

  /**
   * Logs of one group can share a Kafka transaction (multi-partition commits): the space's logs on
   * one cluster when they move together (`sharesTransactions`), else this log alone.
   */
  get group(): string {
    const { prefix, space, partition, sharesTransactions } = this.options;
    const own = transactionalIdOf(prefix, space, partition);
    return sharesTransactions === true ? own.replace(/\.\d+$/, '') : own;
  }

  /** True while appends and holds are accepted. */
  get accepting(): boolean {
    return this.current === 'ready' && this.closing === undefined;
  }

  /** Encodes mutations for a multi-partition commit (nothing queued; a bad mutation throws). */
  prepare(mutations: readonly Mutation[]): PreparedAppend {
    const encoded = mutations.map((m) => this.options.codec.encode(m));
    return { topic: this.topic, count: encoded.length, encoded };
  }

  /**
   * Queues a hold for a multi-partition commit at the current position (see `TransactionLog`):
   * the records of earlier appends land before the transaction, later ones after it.
   */
  hold(records: PreparedRecords): AppendHold {
    if (!this.accepting) throw this.notReady();
    const hold = new AppendHold(this, records as PreparedAppend);
    const promise = new Promise<LogPosition[]>((resolve, reject) =>
      this.queue.push({
        messages: [],
        records: records.count,
        bytes: 0,
        alone: true,
        hold,
        resolve,
        reject: (error) => {
          hold.drop(error);
          reject(error);
        },
      }),
    );
    this.track(promise);
    return hold;
  }

  /** @internal The leader of a multi-partition commit: one Kafka transaction over every hold's topic. */
  async writeAcross(holds: readonly AppendHold[]): Promise<void> {
    const producer = this.producer;
    if (this.current !== 'ready' || producer === undefined) throw this.notReady();
    const topicMessages = holds.map((h) => ({
      topic: h.records.topic,
      messages: h.records.encoded.map((record) => kafkaMessageOf(record)),
    }));
    try {
      await inTransaction(producer, async (transaction) => {
        // Each topic's records in runs that fit its max.message.bytes; a send holds one run per topic.
        const runs = topicMessages.map((t) => ({ topic: t.topic, runs: this.split(t.messages) }));
        const sends = Math.max(...runs.map((t) => t.runs.length));
        for (let i = 0; i < sends; i++) {
          const part = runs.flatMap((t) => {
            const messages = t.runs[i];
            return messages === undefined ? [] : [{ topic: t.topic, messages }];
          });
          await transaction.sendBatch({ topicMessages: part, acks: -1 });
        }
      });
      this.counters.transactions++;
      this.counters.records += topicMessages.reduce((n, t) => n + t.messages.length, 0);
      if (this.options.stats) this.options.stats.transactions++;
    } catch (failure) {
      const { cause, committing } = failure as TransactionFailure;
      if (!committing && this.options.stats) this.options.stats.aborts++;
      if (isFencingError(cause) && !(committing && isCommitOutcomeUnknown(cause))) {
        throw new FencedError(`writer of ${this.topic} was fenced during a multi-partition commit`, {
          ...this.context(),
          cause,
        });
      }
      throw new AppendFailedError(
        `multi-partition commit through ${this.topic} failed: ${describeKafkaError(cause)}`,
        committing,
        { ...this.context(), cause },
      );
    }
  }

  /** @internal A multi-partition commit failed after the engines applied it: this appender ends. */
  endHold(error: unknown): void {
    if (this.failure !== undefined) return;
    if (error instanceof FencedError && error.partition === this.options.partition) {
      this.endFenced(error, []);
      return;
    }
    const failed = new AppendFailedError(
      `a multi-partition commit involving ${this.topic} failed`,
      error instanceof AppendFailedError ? error.maybeCommitted : true,
      { ...this.context(), cause: error },
    );
    // This writer's own commit was answered with a fence (its outcome unknown): it stops, as fenced;
    // a rebuild would fence the new writer back.
    const ownFence =
      error instanceof AppendFailedError &&
      error.partition === this.options.partition &&
      isFencingError(error.cause);
    if (ownFence) {
      if (this.options.stats) this.options.stats.fencings++;
      this.end('fenced', failed, []);
      this.options.onFenced?.(
        new FencedError(`writer of ${this.topic} was fenced during a multi-partition commit`, {
          ...this.context(),
          cause: error,
        }),
      );
      return;
    }
    this.endFailed(failed, []);
  }

  /** Waits until every append made so far is settled; rejects with the failure if the appender ended. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.unsettled]);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Settles pending appends, then disconnects (idempotent). Later appends are refused. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.unsettled]);
      if (this.current === 'ready' || this.current === 'created' || this.current === 'starting')
        this.current = 'closed';
      await this.disconnect();
    })();
    return this.closing;
  }

  private async doStart(): Promise<void> {
    this.current = 'starting';
    const producer = this.options.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      transactionTimeout: this.options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS,
      retry: APPENDER_RETRY,
    });
    this.producer = producer;
    try {
      await producer.connect();
      // kafkajs initialises the transactional producer id (InitProducerId = the fencing) on the
      // first transaction; an empty transaction commits without a request to the broker.
      const txn = await producer.transaction();
      await txn.commit();
    } catch (error) {
      await this.disconnect();
      this.current = 'failed';
      throw wrapKafkaError(
        error,
        `starting the writer of ${this.topic}`,
        this.context(),
        (message) => new AppendFailedError(message, false, { ...this.context(), cause: error }),
      );
    }
    if (this.closing === undefined) this.current = 'ready';
  }

  private async sendBatch(batch: readonly Pending[]): Promise<void> {
    const hold = batch[0]?.hold;
    if (hold !== undefined) return this.holdQueue(batch[0] as Pending, hold);
    const producer = this.producer;
    if (this.current !== 'ready' || producer === undefined) {
      for (const item of batch) item.reject(this.notReady());
      return;
    }
    const messages: LogMessage[] = [];
    for (const item of batch) for (const message of item.messages) messages.push(message);
    // One send is one record batch, which Kafka refuses past max.message.bytes (failing every append
    // in it): a batch larger than that goes in several sends, still in one transaction.
    const runs = this.split(messages);
    const offsets: number[] = [];
    const startedAt = performance.now();
    let sentAt = startedAt;
    try {
      await inTransaction(producer, async (transaction) => {
        for (const run of runs) {
          const sent = await transaction.send({ topic: this.topic, acks: -1, messages: run });
          const base = baseOffsetOf(sent);
          for (let i = 0; i < run.length; i++) offsets.push(base + i);
        }
        sentAt = performance.now();
      });
    } catch (failure) {
      const { cause, committing } = failure as TransactionFailure;
      // Not committing: the transaction was aborted (by this writer, or by the fencing of it).
      if (!committing && this.options.stats) this.options.stats.aborts++;
      this.fail(cause, committing, batch);
      return;
    }
    this.counters.transactions++;
    this.counters.records += messages.length;
    const stats = this.options.stats;
    if (stats !== undefined) {
      const done = performance.now();
      stats.transactions++;
      stats.records += messages.length;
      stats.histograms.batchRecords.observe(messages.length);
      stats.histograms.appendSeconds.observe((sentAt - startedAt) / 1000);
      stats.histograms.commitSeconds.observe((done - sentAt) / 1000);
    }
    this.answer(batch, offsets);
  }

  /** Pauses the queue at a hold until its commit releases it (or fails it, which ends the appender). */
  private async holdQueue(item: Pending, hold: AppendHold): Promise<void> {
    if (this.current !== 'ready') {
      item.reject(this.notReady());
      return;
    }
    try {
      await hold.arrive();
      item.resolve([]);
    } catch (error) {
      item.reject(this.failure ?? error);
    }
  }

  /** Splits records into runs that each fit one record batch of the topic. */
  private split(messages: readonly LogMessage[]): LogMessage[][] {
    return splitByBytes(messages, (m) => recordBytesInBatch(m.tailBytes), this.maxRecordBytes);
  }

  /** Resolves each append with the offsets of its records (`offsets`: the batch's, in order). */
  private answer(batch: readonly Pending[], offsets: readonly number[]): void {
    let at = 0;
    for (const item of batch) {
      const positions = item.messages.map(() => ({
        topic: this.topic,
        partition: this.options.partition,
        offset: offsets[at++] ?? -1,
      }));
      item.resolve(positions);
    }
  }

  private fail(error: unknown, committing: boolean, batch: readonly Pending[]): void {
    if (this.failure !== undefined) {
      for (const item of batch) item.reject(this.failure);
      return;
    }
    if (isFencingError(error)) {
      const fenced = new FencedError(
        `writer of ${this.topic} was fenced: another primary took over the partition log (${describeKafkaError(error)})`,
        { ...this.context(), cause: error },
      );
      if (committing && isCommitOutcomeUnknown(error)) {
        // A fence answering a commit asked again after a lost answer proves nothing about the first
        // attempt (it may have committed): the batch's outcome is unknown, not "not applied". The
        // writer is fenced all the same, so it stops; a rebuild would fence the new primary back.
        const unknown = new AppendFailedError(
          `committing to ${this.topic} failed: fenced while its commit's outcome was unknown (${describeKafkaError(error)})`,
          true,
          { ...this.context(), cause: error },
        );
        if (this.options.stats) this.options.stats.fencings++;
        this.end('fenced', unknown, batch);
        this.options.onFenced?.(fenced);
        return;
      }
      // A fence answering the commit almost always means the new primary's InitProducerId aborted this
      // transaction first (a graceful move relies on it: "not applied", retried at the new primary).
      this.endFenced(fenced, batch);
    } else {
      const what = committing ? 'committing to' : 'appending to';
      const append = new AppendFailedError(
        `${what} ${this.topic} failed: ${describeKafkaError(error)}`,
        committing,
        {
          ...this.context(),
          cause: error,
        },
      );
      this.endFailed(append, batch);
    }
  }

  /** Fenced: ends the appender and tells the replica (which stops serving as primary). */
  private endFenced(fenced: FencedError, batch: readonly Pending[]): void {
    if (this.options.stats) this.options.stats.fencings++;
    this.end('fenced', this.options.fencedError?.(fenced) ?? fenced, batch);
    this.options.onFenced?.(fenced);
  }

  /**
   * Failed: ends the appender and tells the partition, which fail-stops and rebuilds from the log.
   * Every failure goes through here: none may leave the partition serving a state the log lacks.
   * `later` tells it from a microtask (for a failure found inside the engine's own call).
   */
  private endFailed(failed: AppendFailedError, batch: readonly Pending[], later = false): void {
    this.end('failed', failed, batch);
    const onFailed = this.options.onFailed;
    if (onFailed === undefined) return;
    if (later) queueMicrotask(() => onFailed(failed));
    else onFailed(failed);
  }

  /** Ends the appender: rejects the batch and everything queued behind it with the same error. */
  private end(state: 'fenced' | 'failed', error: SpacelogError, batch: readonly Pending[]): void {
    this.current = state;
    this.failure = error;
    for (const item of [...batch, ...this.queue.drainAll()]) item.reject(error);
    void this.disconnect();
  }

  private notReady(): SpacelogError {
    if (this.failure !== undefined) return this.failure;
    const state = this.closing !== undefined ? 'closed' : this.current;
    return new PartitionNotReadyError(`writer of ${this.topic} is ${state}`, this.context());
  }

  private track(promise: Promise<unknown>): void {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.unsettled.add(settled);
    void settled.then(() => this.unsettled.delete(settled));
  }

  private async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer !== undefined) await producer.disconnect().catch(() => undefined);
  }

  private context(): ErrorContext {
    return { space: this.options.space, partition: this.options.partition };
  }
}

/** The offset of the first record of one send. */
function baseOffsetOf(metadata: readonly RecordMetadata[]): number {
  const meta = metadata.find((m) => m.partition === 0) ?? metadata[0];
  return Number(meta?.baseOffset ?? -1);
}
