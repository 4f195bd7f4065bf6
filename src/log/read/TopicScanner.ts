import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { InvalidArgumentError, LogReadError, SpacelogError } from '../../errors';
import { GroupJoinWatch } from '../connection/GroupJoinWatch';
import { wrapKafkaError } from '../connection/kafkaErrors';
import { fetchLogEndOffsets, type LogEndOffsets } from './logEndOffsets';

/** How to scan one single-partition topic. */
export interface TopicScannerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  /** First offset to deliver; default: the start of the log. */
  readonly fromOffset?: number;
  /** Keep following the topic after catching up (until `stop()`); default false. */
  readonly follow?: boolean;
  /** Committed records, in offset order, at or after `fromOffset`. May be async (the scan waits). */
  readonly onRecords: (records: readonly KafkaMessage[]) => void | Promise<void>;
  /** Called after each fetched batch with the next offset to read and the end offset of the catch-up. */
  readonly onPosition?: (position: number, endOffset: number) => void;
  /** In follow mode: a failure after catch-up (before it, `start()` rejects). */
  readonly onError?: (error: SpacelogError) => void;
  /**
   * A catch-up that delivers nothing for this long fails with a retriable LogReadError, so its owner
   * starts a fresh scan instead of waiting forever on a consumer that stopped fetching; default 15 s.
   */
  readonly stallMs?: number;
  /** Upper bound of one fetch; default 64 MiB (fast warm-up). */
  readonly maxBytes?: number;
  /**
   * The log's offsets, when the caller asked for them just before this scan (a catch-up then aims at
   * that high watermark instead of asking again).
   */
  readonly offsets?: LogEndOffsets;
}

/**
 * How long a catch-up may go without a batch: a group join takes a few seconds at most, a fetch waits
 * 100 ms. After a broker's restart a kafkajs consumer was seen joined and silent for good.
 */
export const DEFAULT_SCAN_STALL_MS = 15_000;

/** Default upper bound of one fetch. */
export const DEFAULT_SCAN_MAX_BYTES = 64 * 1024 * 1024;

/**
 * @internal
 * Reads a single-partition topic with `isolation.level=read_committed` (aborted transactions and
 * control records are never delivered) from an offset up to its end, and optionally beyond.
 *
 * kafkajs has no manual assignment, so this uses a consumer in a fresh group of its own that never
 * commits offsets. "Caught up" means the read position (last offset of a fetched batch + 1,
 * counting transaction markers and filtered aborted records) reached the high watermark taken when
 * the scan started. A transaction still open then holds the scan back until it ends: read_committed
 * stops at the last stable offset. That is why a new primary fences (which aborts the old one's
 * open transaction) before it catches up.
 */
export class TopicScanner {
  readonly topic: string;
  private readonly options: TopicScannerOptions;
  private consumer: Consumer | undefined;
  private next = 0;
  private end = 0;
  private caughtUp = false;
  private stopped = false;
  private settle: { resolve: () => void; reject: (e: SpacelogError) => void } | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  /** The consumer's first group join, which a stop lets end before disconnecting. */
  private readonly join = new GroupJoinWatch();

  constructor(options: TopicScannerOptions) {
    if (
      options.fromOffset !== undefined &&
      (!Number.isInteger(options.fromOffset) || options.fromOffset < 0)
    ) {
      throw new InvalidArgumentError(`fromOffset must be a non-negative integer, got ${options.fromOffset}`);
    }
    this.options = options;
    this.topic = options.topic;
  }

  /** Next offset to read. */
  get position(): number {
    return this.next;
  }

  /** The end (high watermark) the catch-up aims at. */
  get endOffset(): number {
    return this.end;
  }

  /** Reads up to the end; resolves once caught up. Without `follow`, the consumer is closed first. */
  async start(): Promise<void> {
    const { low, high } = this.options.offsets ?? (await this.offsets());
    if (this.stopped) throw this.stoppedEarly();
    this.next = Math.max(this.options.fromOffset ?? 0, low);
    this.end = high;
    this.options.onPosition?.(this.next, this.end);
    if (this.next >= this.end) {
      this.caughtUp = true;
      if (this.options.follow !== true) return;
    }
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    done.catch(() => undefined); // observed below; this only keeps an early failure from counting as unhandled
    if (this.caughtUp) this.settle?.resolve();
    else this.watchForStall();
    await this.run();
    await done;
    if (this.options.follow !== true) await this.stop();
  }

  /** Stops reading and closes the consumer (idempotent). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.stallTimer);
    const consumer = this.consumer;
    this.consumer = undefined;
    this.settle?.reject(this.stoppedEarly());
    if (consumer === undefined) return;
    await this.join.disconnect(consumer);
  }

  private stoppedEarly(): LogReadError {
    return new LogReadError(`scan of ${this.topic} stopped before catching up`);
  }

  private async run(): Promise<void> {
    const consumer = this.options.kafka.consumer({
      groupId: `spacelog-scan-${this.topic}-${randomUUID()}`,
      maxBytes: this.options.maxBytes ?? DEFAULT_SCAN_MAX_BYTES,
      maxBytesPerPartition: this.options.maxBytes ?? DEFAULT_SCAN_MAX_BYTES,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => this.advance(payload.lastOffset));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.fail(payload.error);
    });
    try {
      await consumer.connect();
      if (!this.stopped) await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      if (!this.stopped) {
        await this.join.run(consumer, { autoCommit: false, eachBatch: (payload) => this.onBatch(payload) });
        if (this.next > 0) consumer.seek({ topic: this.topic, partition: 0, offset: String(this.next) });
      }
    } catch (error) {
      this.fail(error);
    }
    // stop() during the connect disconnected a consumer that had not connected yet: without this
    // second disconnect it would finish connecting and go on fetching, owned by nobody.
    if (this.stopped) await consumer.disconnect().catch(() => undefined);
  }

  private async onBatch({ batch }: EachBatchPayload): Promise<void> {
    if (this.stopped) return;
    // Following: the end moves with the log, so position vs end stays a measure of lag.
    if (this.caughtUp && this.options.follow === true) {
      this.end = Math.max(this.end, Number(batch.highWatermark));
    }
    const from = this.next;
    // The consumer answered: the time `onRecords` takes (a worker waiting for its parent's credit,
    // say) is ours, not a stall.
    clearTimeout(this.stallTimer);
    // A batch fetched before our seek took effect may start early: skip what was asked to be skipped.
    const records =
      batch.messages[0] !== undefined && Number(batch.messages[0].offset) < from
        ? batch.messages.filter((m) => Number(m.offset) >= from)
        : batch.messages;
    try {
      if (records.length > 0) await this.options.onRecords(records);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.watchForStall();
    this.advance(batch.lastOffset());
  }

  private advance(lastOffset: string): void {
    const next = Number(lastOffset) + 1;
    if (this.stopped || next <= this.next) return;
    this.next = next;
    this.watchForStall();
    this.options.onPosition?.(this.next, this.end);
    if (!this.caughtUp && this.next >= this.end) {
      this.caughtUp = true;
      clearTimeout(this.stallTimer);
      this.settle?.resolve();
    }
  }

  /**
   * (Re)arms the catch-up's stall check, which measures the consumer's silence: each batch handled
   * pushes it back; catching up or stopping ends it.
   */
  private watchForStall(): void {
    clearTimeout(this.stallTimer);
    if (this.caughtUp || this.stopped) return;
    const stallMs = this.options.stallMs ?? DEFAULT_SCAN_STALL_MS;
    this.stallTimer = setTimeout(() => {
      if (this.caughtUp || this.stopped) return;
      this.fail(
        new LogReadError(
          `reading ${this.topic}: no batch for ${stallMs} ms at offset ${this.next} of ${this.end} ` +
            `(the consumer stopped fetching); a fresh scan is safe`,
        ),
      );
    }, stallMs);
    this.stallTimer.unref();
  }

  private fail(error: unknown): void {
    const wrapped = wrapKafkaError(
      error,
      `reading ${this.topic}`,
      {},
      (message) => new LogReadError(message, { cause: error }),
    );
    if (this.caughtUp) this.options.onError?.(wrapped);
    else this.settle?.reject(wrapped);
    void this.stop();
  }

  private async offsets(): Promise<LogEndOffsets> {
    try {
      return await fetchLogEndOffsets(this.options.kafka, this.topic);
    } catch (error) {
      throw wrapKafkaError(
        error,
        `fetching offsets of ${this.topic}`,
        {},
        (message) => new LogReadError(message, { cause: error }),
      );
    }
  }
}
