import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { testKafkaBrokers } from './endpoints';
import { deleteTopicsByPrefix } from './TestKafka';
import { uniqueName } from './uniqueName';

/** The example order-management schemas (Customer, Product, Order, Payment). */
export const EXAMPLE_SCHEMAS = path.resolve(__dirname, '../../schemas/examples');

/** What a grid test needs: the brokers, its own topic prefix, and a cleanup that deletes its topics. */
export interface GridTestKit {
  readonly brokers: string[];
  readonly prefix: string;
  /** Deletes every topic under the prefix. */
  cleanup(): Promise<void>;
}

/** A fresh kit with a unique topic prefix. */
export function gridTestKit(): GridTestKit {
  const brokers = testKafkaBrokers();
  const prefix = uniqueName('t', '');
  return {
    brokers,
    prefix,
    cleanup: () => deleteTestTopics(brokers, prefix),
  };
}

/** Deletes every topic under `<prefix>.` (a test's own topics). */
export async function deleteTestTopics(brokers: readonly string[], prefix: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'test-cleanup',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await deleteTopicsByPrefix(admin, `${prefix}.`);
  } finally {
    await admin.disconnect();
  }
}

/** An example Order. */
export function exampleOrder(
  i: number,
  customer: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: `o-${i}`,
    customerId: `c-${customer}`,
    status: 'NEW',
    total: 10 + i,
    createdAt: 1_700_000_000_000 + i,
    shipping: { city: i % 2 ? 'Lyon' : 'Oslo', zip: `${1000 + i}` },
    lines: [{ sku: `sku-${i % 7}`, quantity: 1 + (i % 3), price: 5 }],
    note: null,
    ...overrides,
  };
}
