import type { Kafka } from 'kafkajs';
import type { AppendFailedError, FencedError, SpacelogError } from '../../errors';
import type { AppendStats } from '../../ops/metrics/AppendStats';
import type { MutationCodec } from '../codec/MutationCodec';

/** How to build the appender of one partition log. */
export interface PartitionAppenderOptions {
  readonly kafka: Kafka;
  readonly prefix: string;
  readonly space: string;
  readonly partition: number;
  readonly codec: MutationCodec;
  /** Most records in one Kafka transaction; default 1000. */
  readonly maxBatchRecords?: number;
  /**
   * Most bytes of records (key, value, headers and framing, exactly as Kafka counts them) in one
   * group-commit batch, one Kafka transaction; default 512 KiB. An append larger than that goes alone.
   */
  readonly maxBatchBytes?: number;
  /**
   * The partition topic's `max.message.bytes`: the largest record batch Kafka takes; default 1,048,588
   * (Kafka's default). Every send is split to fit it (a batch may take several sends, in one
   * transaction). The engine refuses a record that could not fit alone (`EngineLimits.maxRecordBytes`:
   * give both the same value).
   */
  readonly maxRecordBytes?: number;
  /**
   * How long an idle appender waits for company before sending; default 0: the appends of the
   * same event-loop turn go together, and those arriving during a flight form the next batch.
   * (2 ms cost a single writer 40% of its rate and 16 writers a third of theirs.)
   */
  readonly lingerMs?: number;
  /** Kafka transaction timeout; an abandoned transaction is aborted by the broker after it. Default 15 s. */
  readonly transactionTimeoutMs?: number;
  /** Called once when another writer fenced this one (the replica must stop serving as primary). */
  readonly onFenced?: (error: FencedError) => void;
  /**
   * What the operations of a fenced appender are rejected with; default the FencedError itself.
   * A fenced batch was never committed (the fencing aborted its transaction), so a cluster answers
   * with a retriable error.
   */
  readonly fencedError?: (fenced: FencedError) => SpacelogError;
  /** Called once when an append failed for another reason (the partition must rebuild from the log). */
  readonly onFailed?: (error: AppendFailedError) => void;
  /**
   * True when this partition's log may share a Kafka transaction with the other partitions of its
   * space (their producer writes its records): only where every partition moves together, a
   * one-process grid. Default false: the log belongs to its own producer alone, so fencing it
   * fences every writer of it (docs/design.md law 3), and a transaction spans this one partition.
   */
  readonly sharesTransactions?: boolean;
  /** Counts transactions, records, bytes per type, aborts, fencings and batch timings (metrics). */
  readonly stats?: AppendStats;
}

export const DEFAULT_MAX_BATCH_RECORDS = 1000;
export const DEFAULT_MAX_BATCH_BYTES = 512 * 1024;
export const DEFAULT_LINGER_MS = 0;
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 15_000;
/**
 * The appender's kafkajs retry. After a commit the coordinator answers the next transaction's
 * AddPartitionsToTxn with CONCURRENT_TRANSACTIONS until its markers are written (about a millisecond
 * here). kafkajs retries that after its default 300 ms, which made every few batches wait 300 ms (p99
 * of sync writes); the Java client retries it after 20 ms. Start at 1 ms: a commit followed at once by
 * the next batch hit it every other transaction, and each 5 ms wait held the whole batch behind it.
 * 13 doublings keep a budget of ~8 s for a leader change.
 * @internal
 */
export const APPENDER_RETRY = { retries: 13, initialRetryTime: 1 } as const;
/** The life of an appender: `ready` appends; `fenced` and `failed` are final. */
export type AppenderState = 'created' | 'starting' | 'ready' | 'fenced' | 'failed' | 'closed';

/** Counters of an appender (for tests and metrics). */
export interface AppenderStats {
  /** Kafka transactions committed. */
  readonly transactions: number;
  /** Records committed. */
  readonly records: number;
}
