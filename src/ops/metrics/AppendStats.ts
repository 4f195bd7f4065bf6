import { BATCH_RECORDS_BUCKETS, Histogram, LATENCY_BUCKETS_SECONDS } from './Histogram';

/**
 * What one partition's log appender counts: committed transactions and records, record bytes per
 * entry type, aborted transactions and fencings; its histograms (records per group-commit batch,
 * time to send a batch, time to commit it) are the space's, shared by its partitions. Plain fields,
 * read when scraped.
 */
export class AppendStats {
  transactions = 0;
  records = 0;
  /** Kafka transactions that ended without a commit (a failed send, or the writer fenced). */
  aborts = 0;
  /** Times this partition's writer was fenced by a newer one. */
  fencings = 0;
  /** Bytes of records handed to the log, as Kafka counts them, per entry type. */
  readonly bytesByType = new Map<string, number>();

  constructor(readonly histograms: AppendHistograms) {}

  /** Adds record bytes of one entry type. */
  addBytes(type: string, bytes: number): void {
    this.bytesByType.set(type, (this.bytesByType.get(type) ?? 0) + bytes);
  }
}

/** The append histograms of one space: shared by its partitions, so their number does not grow with P. */
export class AppendHistograms {
  /** Records per committed group-commit batch. */
  readonly batchRecords = new Histogram(BATCH_RECORDS_BUCKETS);
  /** Seconds from a batch's start to its last send acknowledged (acks=all), before the commit. */
  readonly appendSeconds = new Histogram(LATENCY_BUCKETS_SECONDS);
  /** Seconds of a batch's transaction commit. */
  readonly commitSeconds = new Histogram(LATENCY_BUCKETS_SECONDS);
}
