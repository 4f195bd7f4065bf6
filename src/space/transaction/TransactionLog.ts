import type { Mutation } from '../Mutation';

/**
 * One partition's log as a multi-partition commit sees it (the partition appender implements it).
 * A commit spanning partitions must land in ONE Kafka transaction without reordering any partition's
 * log, so each involved log is *held*: the hold takes a place in the log's queue at the very moment
 * the engine applies the transaction, waits until everything queued before it is committed, and keeps
 * the queue paused while the leader (the lowest involved partition) writes every involved partition's
 * records with its own transactional producer and commits.
 * @internal
 */
export interface TransactionLog {
  /** Logs with the same group (same Kafka cluster and space) can share one Kafka transaction. */
  readonly group: string;
  /** True while holds are accepted (the writer is started and has not failed, been fenced or closed). */
  readonly accepting: boolean;
  /** Encodes the mutations for a hold, without queueing anything; throws a typed error on bad input. */
  prepare(mutations: readonly Mutation[]): PreparedRecords;
  /** Queues a hold at the current position of the log (synchronously: this is the log position). */
  hold(records: PreparedRecords): LogHold;
}

/** Encoded records of one partition, ready for a hold. */
export interface PreparedRecords {
  readonly topic: string;
  readonly count: number;
}

/** A paused partition log, holding its part of a multi-partition commit. */
export interface LogHold {
  readonly records: PreparedRecords;
  /** Resolves once everything queued before the hold is committed and nothing else is in flight. */
  readonly reached: Promise<void>;
  /**
   * Leader only, once every hold is reached: writes the records of all `holds` in ONE Kafka transaction
   * with this log's transactional producer, and commits it (acks=all).
   */
  writeAll(holds: readonly LogHold[]): Promise<void>;
  /** The transaction is committed: the log goes on with what queued behind the hold. */
  release(): void;
  /**
   * The commit failed after the engines applied the transaction: the log ends (the partition fails
   * stop and rebuilds from the log, which drops the transaction if Kafka did not commit it).
   */
  fail(error: unknown): void;
}
