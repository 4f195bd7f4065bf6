import type { Kafka, KafkaMessage } from 'kafkajs';
import { InvalidArgumentError, LogReadError, UnknownSchemaError, type SpacelogError } from '../../errors';
import type { Mutation } from '../../space/Mutation';
import type { MutationCodec } from '../codec/MutationCodec';
import type { LogRecord } from '../codec/LogTypes';
import { PackedRecordCursor, type PackedRecords } from './packedRecords';
import type { SchemaTopic } from './SchemaTopic';
import { fetchLogEndOffsets, type LogEndOffsets } from './logEndOffsets';
import { checkedPartitionTopic } from '../admin/topicNames';
import { TopicScanner } from './TopicScanner';
import type { KafkaConnection } from '../connection/KafkaConnection';
import { WorkerTopicScanner } from './WorkerTopicScanner';

/** Progress of a read, reported after every fetched batch. */
export interface LogReadProgress {
  /** Mutations delivered so far. */
  readonly records: number;
  /** Mutations per second since the read started. */
  readonly recordsPerSecond: number;
  /** Next offset to read. */
  readonly offset: number;
  /** Log end (high watermark) when the read started: caught up once `offset >= endOffset`. */
  readonly endOffset: number;
  /** Share of the offsets from the start position to `endOffset` read so far, 0..100. */
  readonly percent: number;
}

/** What to read and where the mutations go. */
export interface LogReaderOptions {
  readonly kafka: Kafka;
  readonly prefix: string;
  readonly space: string;
  readonly partition: number;
  readonly codec: MutationCodec;
  /** Reloads writer schemas into `codec.writerSchemas` when a record names an unknown one. */
  readonly schemaTopic?: SchemaTopic;
  /** First offset to read; default the beginning of the log. */
  readonly fromOffset?: number;
  /** Called for every committed mutation, in log order. Synchronous on purpose (fast warm-up). */
  readonly onMutation: (mutation: Mutation, offset: number) => void;
  readonly onProgress?: (progress: LogReadProgress) => void;
  /** Tail mode: a failure after catch-up (a failure before it rejects `tail()`). */
  readonly onError?: (error: SpacelogError) => void;
  /** Upper bound of one fetch; default 64 MiB. */
  readonly maxBytes?: number;
  /**
   * `readToEnd` stops here instead of at the log end when the read began (a comparison at a log
   * position: `spacelog verify`). Records of the last fetched batch may still come past it.
   */
  readonly toOffset?: number;
  /**
   * Catch-ups (`readToEnd`, and `tail` up to the end) fetch in a worker thread connected this way,
   * while this thread decodes and folds (a warm-up then uses two cores). Without it, or without a
   * compiled worker script, everything is read here; a tail follows here in any case.
   */
  readonly fetchInWorker?: KafkaConnection;
  /**
   * With `fetchInWorker`: a catch-up with fewer offsets than this to read stays on this thread, since
   * a worker's start (a thread with its own kafkajs and connections, 50-100 ms) costs more than it
   * would save. Default WORKER_MIN_OFFSETS; 0 always uses the worker.
   */
  readonly workerMinOffsets?: number;
}

/** Offsets a catch-up must have ahead of it before it is worth a worker thread (see `workerMinOffsets`). */
export const WORKER_MIN_OFFSETS = 20_000;

/** A catch-up in a worker thread, or on this thread aiming at the offsets already asked (if any). */
type CatchUpStart = { readonly worker: WorkerTopicScanner } | { readonly offsets: LogEndOffsets | undefined };

/** What a finished catch-up read. */
export interface LogReadResult {
  readonly records: number;
  /** Next offset to read (where a tail or a later read would continue). */
  readonly nextOffset: number;
}

/**
 * Reads a partition log with read_committed: warm-up (`readToEnd`) and backups (`tail`).
 * Aborted transactions and transaction markers are never delivered; the log is compacted, so a
 * warm-up costs about the live entries. Records are decoded with the codec, resolving old writer schemas.
 */
export class LogReader {
  readonly topic: string;
  private readonly options: LogReaderOptions;
  private scanner: TopicScanner | WorkerTopicScanner | undefined;
  private records = 0;
  private startedAt = 0;
  private startOffset: number | undefined;
  private stopped = false;
  private workerUsed = false;

  constructor(options: LogReaderOptions) {
    this.topic = checkedPartitionTopic(options.prefix, options.space, options.partition);
    this.options = options;
  }

  /** Next offset to read. */
  get position(): number {
    return this.scanner?.position ?? this.options.fromOffset ?? 0;
  }

  /** Reads from the start offset to the end of the log as it was when the read began. */
  async readToEnd(): Promise<LogReadResult> {
    const start = await this.catchUp();
    const scanner =
      'worker' in start ? start.worker : this.scan(false, this.options.fromOffset, start.offsets);
    await scanner.start();
    return { records: this.records, nextOffset: scanner.position };
  }

  /**
   * Reads to the end, resolves, and keeps delivering new mutations until `stop()`. With
   * `fetchInWorker`, the catch-up runs in a worker thread and the follow on this one, from where it ended.
   */
  async tail(): Promise<LogReadResult> {
    const start = await this.catchUp();
    let scanner: TopicScanner;
    if ('worker' in start) {
      await start.worker.start();
      if (this.stopped) throw new LogReadError(`reader of ${this.topic} stopped before catching up`);
      this.scanner = undefined;
      // The follow goes on from where the worker's catch-up ended, and asks the end itself.
      scanner = this.scan(true, start.worker.position, undefined);
    } else {
      scanner = this.scan(true, this.options.fromOffset, start.offsets);
    }
    await scanner.start();
    return { records: this.records, nextOffset: scanner.position };
  }

  /** Whether a catch-up of this reader fetched in a worker thread (see `workerMinOffsets`). */
  get fetchedInWorker(): boolean {
    return this.workerUsed;
  }

  /** Stops reading (idempotent). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.scanner?.stop();
  }

  /**
   * How the catch-up starts: in a worker thread when asked for, the compiled worker script is there
   * and the log has enough ahead of the start to be worth a thread; else on this thread, with the
   * log's offsets when the threshold asked them (the scan aims at them instead of asking again).
   */
  private async catchUp(): Promise<CatchUpStart> {
    const connection = this.options.fetchInWorker;
    const script = connection && WorkerTopicScanner.script();
    const to = this.options.toOffset;
    if (!connection || !script) return { offsets: to === undefined ? undefined : await this.logOffsets() };
    const min = this.options.workerMinOffsets ?? WORKER_MIN_OFFSETS;
    if (min <= 0 && to === undefined) return { worker: this.scanInWorker(connection, script, undefined) };
    const offsets = await this.logOffsets();
    if (min <= 0) return { worker: this.scanInWorker(connection, script, offsets) };
    if (offsets === undefined || offsets.high - Math.max(offsets.low, this.options.fromOffset ?? 0) < min)
      return { offsets };
    return { worker: this.scanInWorker(connection, script, offsets) };
  }

  private async logOffsets(): Promise<LogEndOffsets | undefined> {
    const to = this.options.toOffset;
    try {
      const offsets = await fetchLogEndOffsets(this.options.kafka, this.topic);
      return to === undefined ? offsets : { low: offsets.low, high: Math.min(offsets.high, to) };
    } catch {
      // The scan on this thread asks again, and reports an unreachable log as a typed LogReadError.
      return undefined;
    }
  }

  /**
   * Refuses a second start, and a start after `stop()` (it may come while the log's size is asked);
   * the rate counts from the first start (a tail's follow goes on from its catch-up).
   */
  private begin(): void {
    if (this.stopped) throw new LogReadError(`reader of ${this.topic} stopped before reading`);
    if (this.scanner !== undefined)
      throw new InvalidArgumentError(`reader of ${this.topic} was already started`);
    if (this.startedAt === 0) this.startedAt = Date.now();
  }

  private scan(
    follow: boolean,
    fromOffset: number | undefined,
    offsets: LogEndOffsets | undefined,
  ): TopicScanner {
    this.begin();
    const scanner = new TopicScanner({
      kafka: this.options.kafka,
      topic: this.topic,
      follow,
      ...(fromOffset === undefined ? {} : { fromOffset }),
      ...(this.options.maxBytes === undefined ? {} : { maxBytes: this.options.maxBytes }),
      ...(this.options.onError === undefined ? {} : { onError: this.options.onError }),
      ...(offsets === undefined ? {} : { offsets }),
      onRecords: (records) => this.deliver(records),
      onPosition: (position, end) => this.progress(position, end),
    });
    this.scanner = scanner;
    return scanner;
  }

  private scanInWorker(
    connection: KafkaConnection,
    script: string,
    offsets: LogEndOffsets | undefined,
  ): WorkerTopicScanner {
    this.begin();
    const scanner = new WorkerTopicScanner({
      connection,
      script,
      topic: this.topic,
      ...(this.options.fromOffset === undefined ? {} : { fromOffset: this.options.fromOffset }),
      ...(this.options.maxBytes === undefined ? {} : { maxBytes: this.options.maxBytes }),
      ...(offsets === undefined ? {} : { offsets }),
      onRecords: (packed: PackedRecords) => this.deliverPacked(packed),
      onPosition: (position, end) => this.progress(position, end),
    });
    this.scanner = scanner;
    this.workerUsed = true;
    return scanner;
  }

  /** Decodes and delivers a batch; only a record with an unknown writer schema costs an await. */
  private async deliver(records: readonly KafkaMessage[]): Promise<void> {
    for (const record of records) {
      let mutation = this.decode(record);
      if (mutation instanceof Promise) mutation = await mutation;
      this.options.onMutation(mutation, Number(record.offset));
      this.records++;
    }
  }

  /** Like `deliver`, for a batch packed by a worker: the common record is read in place. */
  private async deliverPacked(packed: PackedRecords): Promise<void> {
    const { codec, onMutation } = this.options;
    const c = new PackedRecordCursor(packed);
    while (c.next()) {
      let mutation: Mutation | Promise<Mutation> | undefined =
        c.keyStart >= 0 && c.valueStart >= 0 ? codec.decodeInPlace(c) : undefined;
      mutation ??= this.decode(c.record());
      if (mutation instanceof Promise) mutation = await mutation;
      onMutation(mutation, c.offset);
      this.records++;
    }
  }

  /** Decodes a record; a promise only when its writer schema has to be loaded first. */
  private decode(record: LogRecord): Mutation | Promise<Mutation> {
    const { codec, schemaTopic } = this.options;
    try {
      return codec.decode(record);
    } catch (error) {
      if (!(error instanceof UnknownSchemaError) || schemaTopic === undefined) throw error;
      return schemaTopic.load(codec.writerSchemas).then(() => codec.decode(record));
    }
  }

  private progress(position: number, end: number): void {
    this.startOffset ??= position;
    const onProgress = this.options.onProgress;
    if (onProgress === undefined) return;
    const seconds = Math.max((Date.now() - this.startedAt) / 1000, 0.001);
    const span = end - this.startOffset;
    const percent =
      span <= 0 ? 100 : Math.min(100, Math.max(0, ((position - this.startOffset) / span) * 100));
    onProgress({
      records: this.records,
      recordsPerSecond: this.records / seconds,
      offset: position,
      endOffset: end,
      percent,
    });
  }
}
