import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Knex } from 'knex';
import type { KafkaClientOptions } from '../log/connection/KafkaClientOptions';
import type { KafkaConnection } from '../log/connection/KafkaConnection';
import { KAFKA_CLIENT_IDS, kafkaOn, openKafka } from '../log/connection/openKafka';
import { HEADER } from '../log/codec/mutationEnvelope';
import { TopicScanner } from '../log/read/TopicScanner';
import { partitionTopic } from '../log/admin/topicNames';
import { DEFAULT_MIRROR_SCHEMA } from './MirrorConfig';
import { fetchEndOffsets, lagOf, type PartitionLag } from './MirrorLag';
import { DeadLetterStore } from './DeadLetterStore';
import { OffsetStore } from './OffsetStore';

/** What `readMirrorStatus` looks at. */
export interface MirrorStatusOptions {
  readonly knex: Knex;
  readonly space: string;
  readonly partitions: number;
  /** Shorthand for `kafka.brokers`. */
  readonly brokers?: readonly string[];
  /** How to reach Kafka (TLS, SASL); the environment fills what is not given. */
  readonly kafka?: KafkaClientOptions;
  readonly prefix: string;
  readonly schema?: string;
}

/**
 * The mirror's lag seen from outside the projector (`spacelog mirror status`): applied positions from
 * `spacelog_offsets`, log ends from Kafka, and for a partition that is behind, the timestamp of its
 * first unapplied record (read from the log), so `seconds` is known too; and the dead letters per
 * partition from `spacelog_dead_letters`, and the rebuilds past the tombstone horizon per partition.
 * @param connection internal: how the caller reaches Kafka (`spacelog mirror status`), used as it is,
 * not resolved again; `options.kafka` and `options.brokers` are then not read.
 */
export async function readMirrorStatus(
  options: MirrorStatusOptions,
  connection?: KafkaConnection,
): Promise<PartitionLag[]> {
  const schema = options.schema ?? DEFAULT_MIRROR_SCHEMA;
  const offsets = new OffsetStore(schema, options.space);
  const applied = await offsets.readAll(options.knex);
  const reconciles = await countReconciles(offsets, options.knex);
  const deadLetters = await countDeadLetters(new DeadLetterStore(schema, options.space), options.knex);
  const use = { clientId: KAFKA_CLIENT_IDS.mirrorStatus };
  const { kafka } =
    connection === undefined
      ? openKafka(
          { ...options.kafka, ...(options.brokers === undefined ? {} : { brokers: options.brokers }) },
          use,
        )
      : kafkaOn(connection, use);
  const topics = Array.from({ length: options.partitions }, (_, k) =>
    partitionTopic(options.prefix, options.space, k),
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await fetchEndOffsets(admin, topics);
    const oldest = new Map<number, number>();
    await Promise.all(
      ends.map(async (end, k) => {
        const from = applied.get(k) ?? 0;
        if (end <= from) return;
        const timestamp = await firstTimestamp(kafka, topics[k] ?? '', from);
        if (timestamp !== undefined) oldest.set(k, timestamp);
      }),
    );
    return lagOf(applied, ends, oldest, { deadLetters, reconciles });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The `spacelog.timestamp` header of the first committed record at or after `from`. */
async function firstTimestamp(kafka: Kafka, topic: string, from: number): Promise<number | undefined> {
  let found: KafkaMessage | undefined;
  const scanner = new TopicScanner({
    kafka,
    topic,
    fromOffset: from,
    maxBytes: 64 * 1024,
    onRecords: (records) => {
      found ??= records[0];
      void scanner.stop();
    },
  });
  await scanner.start().catch(() => undefined);
  const header = found?.headers?.[HEADER.timestamp];
  const value = Array.isArray(header) ? header[0] : header;
  return value === undefined ? undefined : Number(value.toString());
}

/** Dead letters per partition; none when the table is not there yet (a mirror from before migration 0002). */
async function countDeadLetters(store: DeadLetterStore, knex: Knex): Promise<Map<number, number>> {
  return (await store.exists(knex)) ? store.countAll(knex) : new Map();
}

/** Rebuilds per partition; none when the column is not there yet (a mirror from before migration 0003). */
async function countReconciles(offsets: OffsetStore, knex: Knex): Promise<Map<number, number>> {
  try {
    const positions = await offsets.readPositions(knex);
    return new Map([...positions].map(([k, p]) => [k, p.reconciles]));
  } catch (error) {
    if ((error as { code?: unknown }).code === '42703') return new Map();
    throw error;
  }
}
