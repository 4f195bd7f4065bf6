import { NotifyHandlerError, NotifyPositionError } from '../errors/events';
import { describeKafkaError } from '../log/connection/kafkaErrors';
import { fetchLogEndOffsets } from '../log/read/logEndOffsets';
import type { LogReader } from '../log/read/LogReader';
import { partitionTopic } from '../log/admin/topicNames';
import { replicaLogReader, type ReplicaLogOptions } from '../partition/ReplicaLog';
import type { Mutation } from '../space/Mutation';
import { NotifyBuffer } from './NotifyBuffer';
import type { NotifyFilter } from './NotifyFilter';
import { notifyBackoffMs, type NotifyEvent, type ResolvedNotifyOptions } from './NotifyOptions';
import type { NotifyPositionStore } from './NotifyPositions';

/**
 * Where one partition's container is:
 * - `starting`: taking its position over and opening the log;
 * - `running`: delivering (or waiting for matching mutations);
 * - `retrying`: its handler failed on the current batch and it is backing off;
 * - `stopping` / `stopped`: stopped by `stop()` or because the partition is no longer primary here;
 * - `failed`: stopped by `onError` returning `stop` (position unchanged);
 * - `fenced`: another process took the container's position of this partition over.
 */
export type NotifyPartitionState =
  'starting' | 'running' | 'retrying' | 'stopping' | 'stopped' | 'failed' | 'fenced';

/** A notify container's progress on one partition. */
export interface NotifyPartitionStatus {
  readonly partition: number;
  readonly state: NotifyPartitionState;
  /** The stored position: the offset a restart delivers from (undefined before the first is read). */
  readonly position: number | undefined;
  /** The log's end as last seen by the reader. */
  readonly logEnd: number;
  /** `logEnd - position`: offsets not yet handled and stored (0 when unknown). */
  readonly lag: number;
  /** Events handed to the handler in calls that succeeded, since this partition started here. */
  readonly delivered: number;
  /** Failed handler calls since this partition started here. */
  readonly failures: number;
  /** Events read ahead of the handler. */
  readonly buffered: number;
  /** Whether the reader is stopped because the buffer is full (it resumes as the handler catches up). */
  readonly readerPaused: boolean;
  /** The last failure (handler, position store or log read), if any. */
  readonly lastError?: string;
}

/** How often, at most, a position that moved past non-matching mutations only is stored, ms. */
const IDLE_STORE_MS = 1000;
/** Backoff of log reads and position stores that failed: from 100 ms up to 5 s. */
const INFRA_RETRY = { initialBackoffMs: 100, maxBackoffMs: 5000, multiplier: 2, maxAttempts: 1 };

/** What the runner of one partition needs. @internal */
export interface NotifyPartitionDeps {
  readonly options: ResolvedNotifyOptions;
  readonly partition: number;
  readonly log: ReplicaLogOptions;
  readonly positions: NotifyPositionStore;
  readonly filter: NotifyFilter;
}

/**
 * A notify container on the primary of one partition: takes the stored position over, tails the
 * partition log from it, batches matching mutations, calls the handler (retrying a failed batch, never
 * past it unless `onError` says skip), and stores the position after each handled batch.
 * @internal
 */
export class NotifyPartition {
  private readonly buffer: NotifyBuffer;
  private readonly abort = new AbortController();
  private reader: LogReader | undefined;
  private readerGeneration = 0;
  private readerPaused = false;
  private readerFailures = 0;
  private readonly readerStops = new Set<Promise<void>>();
  private reopenTimer: NodeJS.Timeout | undefined;
  /** Next offset after the last mutation taken from a reader: where a new reader starts. */
  private accepted = 0;
  private stored: number | undefined;
  private lastStoreAt = 0;
  private logEnd = 0;
  private delivered = 0;
  private failures = 0;
  private state: NotifyPartitionState = 'starting';
  private lastError: string | undefined;
  private stopping = false;
  private wakeSleep: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: NotifyPartitionDeps) {
    this.buffer = new NotifyBuffer(deps.options.batchSize, deps.options.batchTimeMs);
  }

  get partition(): number {
    return this.deps.partition;
  }

  /** Starts in the background, once `after` (a predecessor's drain) settled; `stop()` ends it. */
  start(after?: Promise<void>): void {
    this.running ??= (after ?? Promise.resolve()).then(() => this.run());
  }

  /** Stops reading, lets the handler call in flight finish and stores its position (idempotent). */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      if (this.state === 'starting' || this.state === 'running' || this.state === 'retrying') {
        this.state = 'stopping';
      }
      this.abort.abort();
      this.buffer.interrupt();
      this.wakeSleep?.();
      this.closeReader();
    }
    await this.running;
    await Promise.all([...this.readerStops]);
  }

  status(): NotifyPartitionStatus {
    const position = this.stored;
    return {
      partition: this.deps.partition,
      state: this.state,
      position,
      logEnd: this.logEnd,
      lag: position === undefined ? 0 : Math.max(0, this.logEnd - position),
      delivered: this.delivered,
      failures: this.failures,
      buffered: this.buffer.size,
      readerPaused: this.readerPaused,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  private async run(): Promise<void> {
    try {
      if (this.stopping) return; // stopped while waiting for its predecessor
      const from = await this.infra(() => this.openPosition());
      if (from === undefined) return;
      this.accepted = from;
      this.logEnd = Math.max(this.logEnd, from);
      if (this.stopping) return;
      this.state = 'running';
      this.openReader();
      await this.loop();
    } catch (error) {
      this.lastError = errorText(error);
      this.state = error instanceof NotifyPositionError && !error.retriable ? 'fenced' : 'failed';
    } finally {
      this.closeReader();
      if (this.reopenTimer !== undefined) clearTimeout(this.reopenTimer);
      await this.deps.positions.close();
      if (this.state === 'stopping' || this.state === 'running' || this.state === 'starting') {
        this.state = 'stopped';
      }
    }
  }

  /** The stored position, or the start position (stored at once, so `latest` holds across a restart). */
  private async openPosition(): Promise<number> {
    const stored = await this.deps.positions.open();
    if (stored !== undefined) {
      this.stored = stored;
      return stored;
    }
    const { log, options } = this.deps;
    const start =
      options.startAt === 'latest'
        ? (await fetchLogEndOffsets(log.kafka, partitionTopic(log.prefix, log.space, log.partition))).high
        : 0;
    await this.deps.positions.store(start);
    this.stored = start;
    return start;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const why = await this.buffer.next(IDLE_STORE_MS);
      if (this.stopping) return;
      if (why !== 'batch') {
        await this.storeIdlePosition();
        this.resumeReaderIfDue();
        continue;
      }
      const batch = this.buffer.take();
      this.resumeReaderIfDue();
      const outcome = await this.handle(batch);
      if (outcome === 'stop') {
        this.state = 'failed';
        return;
      }
      if (outcome === 'abandoned') return; // stopping: the batch was not handled, nor its position stored
      await this.storePosition(this.position());
    }
  }

  /** Calls the handler until it succeeds, `onError` says skip or stop, or the container stops. */
  private async handle(batch: NotifyEvent[]): Promise<'done' | 'skip' | 'stop' | 'abandoned'> {
    const { options, partition } = this.deps;
    const first = batch[0]!;
    for (let attempt = 1; ; attempt++) {
      try {
        await options.handler(batch, {
          container: options.name,
          partition,
          attempt,
          signal: this.abort.signal,
        });
        this.delivered += batch.length;
        if (this.state === 'retrying') this.state = 'running';
        return 'done';
      } catch (cause) {
        this.failures++;
        const error = new NotifyHandlerError(options.name, attempt, {
          space: this.deps.log.space,
          partition,
          offset: String(first.offset),
          type: first.type,
          entryId: first.entryId,
          cause,
        });
        this.lastError = `${error.message}: ${errorText(cause)}`;
        if (this.stopping) return 'abandoned';
        if (this.state === 'running') this.state = 'retrying';
        if (attempt % options.retry.maxAttempts === 0) {
          const decision = await decide(options.onError, error, batch);
          if (decision === 'skip') {
            if (this.state === 'retrying') this.state = 'running';
            return 'skip';
          }
          if (decision === 'stop') return 'stop';
        }
        await this.sleep(notifyBackoffMs(attempt, options.retry));
        if (this.stopping) return 'abandoned';
      }
    }
  }

  /**
   * The position to store now: the first event not handled yet, else everything the reader has
   * delivered (its position also counts transaction markers past the last mutation, so a caught-up
   * container shows no lag).
   */
  private position(): number {
    const next = this.buffer.first();
    if (next !== undefined) return next.offset;
    const reader = this.reader;
    return reader === undefined || this.readerPaused
      ? this.accepted
      : Math.max(this.accepted, reader.position);
  }

  private async storeIdlePosition(): Promise<void> {
    const position = this.position();
    if (this.stored !== undefined && position <= this.stored) return;
    if (Date.now() - this.lastStoreAt < IDLE_STORE_MS) return;
    await this.storePosition(position);
  }

  /** Stores the position, retrying while Kafka fails; once stopping, one attempt (the drain). */
  private async storePosition(position: number): Promise<void> {
    if (this.stored !== undefined && position <= this.stored) return;
    const stored = await this.infra(async () => {
      await this.deps.positions.store(position);
      return true;
    }, true);
    if (stored !== true) return; // stopping: given up, the position stays where it was
    this.stored = position;
    this.lastStoreAt = Date.now();
  }

  /**
   * Runs a Kafka step, retrying retriable failures with backoff. While stopping it gives up (returns
   * undefined) unless `drain` is set, where it makes one more attempt; a fence is rethrown.
   */
  private async infra<T>(step: () => Promise<T>, drain = false): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        if (error instanceof NotifyPositionError && !error.retriable) throw error;
        this.lastError = errorText(error);
        if (this.stopping && !(drain && attempt === 1)) return undefined;
        await this.sleep(notifyBackoffMs(attempt, INFRA_RETRY));
        if (this.stopping && !drain) return undefined;
      }
    }
  }

  private openReader(): void {
    const { log, options } = this.deps;
    const generation = ++this.readerGeneration;
    // The container reads on this thread with bounded fetches: a worker's catch-up would fetch
    // up to 64 MiB at a time, past what the buffer bound is for.
    const { fetchInWorker: _worker, workerMinOffsets: _min, ...onThread } = log;
    const reader = replicaLogReader(onThread, {
      fromOffset: this.accepted,
      maxBytes: options.fetchMaxBytes,
      onMutation: (mutation, offset) => this.onMutation(generation, mutation, offset),
      onProgress: (progress) => {
        this.logEnd = Math.max(this.logEnd, progress.endOffset);
        this.readerFailures = 0;
      },
      onError: (error) => this.readerFailed(generation, error),
    });
    this.reader = reader;
    this.readerPaused = false;
    reader.tail().catch((error: unknown) => this.readerFailed(generation, error));
  }

  /** Takes one mutation from the current reader, in log order; stops the reader at the buffer bound. */
  private onMutation(generation: number, mutation: Mutation, offset: number): void {
    // A stopped reader may finish delivering the records it fetched: a later reader reads them again.
    if (generation !== this.readerGeneration || this.readerPaused || this.stopping) return;
    if (offset < this.accepted) return;
    this.accepted = offset + 1;
    this.logEnd = Math.max(this.logEnd, this.accepted);
    if (!this.deps.filter.accepts(mutation)) return;
    this.buffer.push(toEvent(this.deps.partition, mutation, offset));
    if (this.buffer.size >= this.deps.options.maxBufferedEvents) {
      this.closeReader();
      this.readerPaused = true;
    }
  }

  private resumeReaderIfDue(): void {
    if (!this.readerPaused || this.stopping) return;
    if (this.buffer.size > this.deps.options.maxBufferedEvents / 2) return;
    this.openReader();
  }

  /** A read failed (the broker, a decode): a new reader starts from where this one got, after a backoff. */
  private readerFailed(generation: number, error: unknown): void {
    if (generation !== this.readerGeneration || this.stopping || this.readerPaused) return;
    this.lastError = errorText(error);
    this.closeReader();
    this.readerFailures++;
    this.reopenTimer = setTimeout(
      () => {
        this.reopenTimer = undefined;
        if (!this.stopping && this.reader === undefined && !this.readerPaused) this.openReader();
      },
      notifyBackoffMs(this.readerFailures, INFRA_RETRY),
    );
  }

  private closeReader(): void {
    const reader = this.reader;
    this.reader = undefined;
    this.readerGeneration++;
    if (reader === undefined) return;
    const stopped = reader.stop().catch(() => undefined);
    this.readerStops.add(stopped);
    void stopped.then(() => this.readerStops.delete(stopped));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleep = done;
    });
  }
}

/** The event of a mutation at `offset` of `partition`'s log. */
export function toEvent(partition: number, mutation: Mutation, offset: number): NotifyEvent {
  return {
    id: `${partition}:${offset}`,
    partition,
    offset,
    op: mutation.op,
    type: mutation.type,
    entryId: mutation.id,
    version: mutation.version,
    leaseExpiresAt: mutation.leaseExpiresAt,
    timestamp: mutation.timestamp,
    origin: mutation.origin,
    entry: mutation.state,
  };
}

async function decide(
  onError: ResolvedNotifyOptions['onError'],
  error: NotifyHandlerError,
  batch: readonly NotifyEvent[],
): Promise<'retry' | 'skip' | 'stop'> {
  try {
    const decision = await onError(error, batch);
    return decision === 'skip' || decision === 'stop' ? decision : 'retry';
  } catch {
    return 'retry';
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? describeKafkaError(error) : String(error);
}
