import type { Admin, Kafka, Producer } from 'kafkajs';
import { NotifyPositionError } from '../errors/events';
import { describeKafkaError, isFencingError } from '../log/connection/kafkaErrors';
import { inTransaction, TransactionFailure } from '../log/append/kafkaTransaction';
import { notifyGroupId, notifyTransactionalId, partitionTopic } from '../log/admin/topicNames';
import { retry } from '../retry/Retrier';

/** Where a notify container keeps its position of one partition: the next offset it has to deliver. */
export interface NotifyPositionStore {
  /**
   * Takes the position over (fencing any older holder, e.g. the container of a primary that lost
   * the partition) and reads it: undefined when none was ever stored.
   */
  open(): Promise<number | undefined>;
  /** Stores the position durably; rejects with NotifyPositionError (not retriable once fenced). */
  store(position: number): Promise<void>;
  close(): Promise<void>;
}

/** What a Kafka position store needs. */
export interface KafkaNotifyPositionsOptions {
  readonly kafka: Kafka;
  /** A connected admin client, shared by the container's partitions (connected at first use). */
  readonly admin: () => Promise<Pick<Admin, 'fetchOffsets'>>;
  readonly prefix: string;
  readonly space: string;
  readonly container: string;
  readonly partition: number;
}

/** Quick retries of CONCURRENT_TRANSACTIONS: the previous commit's markers are still being written. */
const CONCURRENT_RETRIES = 20;
const CONCURRENT_DELAY_MS = 10;

/**
 * Positions as consumer-group offsets, committed through a transactional producer of their own
 * (`sendOffsets`, Kafka's TxnOffsetCommit). Why not `admin.setOffsets`: it joins the group as a
 * consumer for every store (seconds each, and refused while another partition of the same container
 * stores at the same moment). Why a transaction: a store needs no group membership, and the
 * transactional id per (container, partition) fences the store of a primary that lost the partition,
 * so a zombie cannot move the position once the new primary's container has taken it over.
 * @internal
 */
export class KafkaNotifyPositions implements NotifyPositionStore {
  private readonly groupId: string;
  private readonly topic: string;
  private producer: Producer | undefined;

  constructor(private readonly options: KafkaNotifyPositionsOptions) {
    this.groupId = notifyGroupId(options.prefix, options.space, options.container);
    this.topic = partitionTopic(options.prefix, options.space, options.partition);
  }

  async open(): Promise<number | undefined> {
    const { kafka, prefix, space, container, partition } = this.options;
    await this.close(); // a retried open replaces the producer of the failed one
    const producer = kafka.producer({
      transactionalId: notifyTransactionalId(prefix, space, container, partition),
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    try {
      await producer.connect();
      // kafkajs initialises the transactional id (which fences older holders) at the first
      // transaction only: begin one now, before reading, so no older holder stores after our read.
      const fence = await producer.transaction();
      await fence.abort();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw this.failure('taking the position over', error);
    }
    this.producer = producer;
    try {
      const [fetched] = await (
        await this.options.admin()
      ).fetchOffsets({ groupId: this.groupId, topics: [this.topic] });
      const offset = Number(fetched?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
      return offset >= 0 ? offset : undefined;
    } catch (error) {
      throw this.failure('reading the position', error);
    }
  }

  async store(position: number): Promise<void> {
    const producer = this.producer;
    if (producer === undefined) {
      throw new NotifyPositionError(
        `notify container ${this.options.container}: position store of partition ${this.options.partition} is not open`,
        this.options.container,
        false,
        { partition: this.options.partition },
      );
    }
    try {
      await retry(
        () =>
          inTransaction(producer, (transaction) =>
            transaction.sendOffsets({
              consumerGroupId: this.groupId,
              topics: [{ topic: this.topic, partitions: [{ partition: 0, offset: String(position) }] }],
            }),
          ),
        {
          delay: (failures) => CONCURRENT_DELAY_MS * failures,
          maxAttempts: CONCURRENT_RETRIES,
          retriable: (error) => isConcurrentTransaction(causeOf(error)),
          exhausted: 'last',
        },
      );
    } catch (error) {
      throw this.failure(`storing position ${position}`, causeOf(error));
    }
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  private failure(what: string, error: unknown): NotifyPositionError {
    const { container, partition, space } = this.options;
    const fenced = isFencingError(error);
    return new NotifyPositionError(
      `notify container ${container}, partition ${partition}: ${what} failed` +
        (fenced ? ' (fenced: the container of this partition runs elsewhere now)' : '') +
        `: ${describeKafkaError(error)}`,
      container,
      !fenced,
      { space, partition, cause: error },
    );
  }
}

/** What a transaction failed on (inTransaction wraps it in TransactionFailure). */
function causeOf(error: unknown): unknown {
  return error instanceof TransactionFailure ? error.cause : error;
}

function isConcurrentTransaction(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { type?: unknown }).type === 'CONCURRENT_TRANSACTIONS'
  );
}
