import { randomBytes } from 'node:crypto';
import { Type, type Schema } from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import { LogReader, MutationCodec, TopicAdmin } from '../../../src/log';
import type { KafkaConnection } from '../../../src/log/connection/KafkaConnection';
import type { EntryAvroType } from '../../../src/log';
import type { Mutation } from '../../../src/space/Mutation';

/** Brokers of the test stack (test/support's global setup sets the variable). */
export const BROKERS = (process.env.SPACELOG_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** A Kafka client for one test file; quiet unless something is really wrong. */
export function testKafka(): Kafka {
  return new Kafka({ clientId: 'spacelog-log-test', brokers: BROKERS, logLevel: logLevel.NOTHING });
}

/** A topic prefix no other test uses. */
export function uniquePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export const ORDER_V1: Schema = {
  type: 'record',
  name: 'Order',
  namespace: 'test.log',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'quantity', type: 'int' },
  ],
};

/** ORDER_V1 with extra fields appended (a newer version of the type). */
export function orderSchemaWith(...extra: object[]): Schema {
  return {
    ...(ORDER_V1 as object),
    fields: [...(ORDER_V1 as { fields: object[] }).fields, ...extra],
  } as Schema;
}

export const orderType = (schema: Schema = ORDER_V1): EntryAvroType => ({
  name: 'Order',
  avroType: Type.forSchema(schema),
});

/** A WRITE (version 1) or UPDATE of Order `id`. */
export function orderMutation(id: string, version: number, quantity: number, origin = 'test'): Mutation {
  return {
    op: version === 1 ? 'WRITE' : 'UPDATE',
    type: 'Order',
    id,
    version,
    leaseExpiresAt: null,
    timestamp: 1_700_000_000_000 + version,
    origin,
    state: { id, quantity },
  };
}

/** Every committed mutation of a partition, with offsets, read through a fresh LogReader. */
export async function readAll(
  kafka: Kafka,
  prefix: string,
  space: string,
  codec: MutationCodec,
  partition = 0,
  fetchInWorker?: KafkaConnection,
): Promise<{ mutation: Mutation; offset: number }[]> {
  const out: { mutation: Mutation; offset: number }[] = [];
  const reader = new LogReader({
    kafka,
    prefix,
    space,
    partition,
    codec,
    // However short the log: these reads are there to test the worker.
    ...(fetchInWorker ? { fetchInWorker, workerMinOffsets: 0 } : {}),
    onMutation: (mutation, offset) => out.push({ mutation, offset }),
  });
  await reader.readToEnd();
  return out;
}

/** How a reader's fetching worker thread reaches the test broker. */
export const WORKER_CONNECTION: KafkaConnection = { brokers: BROKERS, clientId: 'spacelog-log-test-worker' };

/** Deletes every topic of the prefix. */
export async function deletePrefix(kafka: Kafka, prefix: string): Promise<void> {
  const admin = new TopicAdmin({ kafka, prefix });
  try {
    await admin.deleteAll();
  } finally {
    await admin.close();
  }
}
