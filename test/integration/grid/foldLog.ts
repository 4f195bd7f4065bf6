import { Kafka, logLevel } from 'kafkajs';
import { createMutationDecoder } from '../../../src/log/MutationDecoder';
import { partitionTopic } from '../../../src/log/topicNames';
import { restoreApply } from '../../../src/space/restoreApply';
import { PartitionState } from '../../../src/space/PartitionState';
import type { TypeRegistry } from '../../../src/schema/TypeRegistry';
import type { Mutation } from '../../../src/space/Mutation';

/** A comparable picture of entries: `type/id` → version and state. */
export type EntryPicture = Record<string, { version: number; entry: unknown }>;

/**
 * docs/design.md law 1 from the outside: reads the raw partition topics with a plain kafkajs read_committed consumer,
 * decodes with the public decoder and folds it as Kafka keeps it (`restoreApply`), independently of the grid's own warm-up.
 */
export async function foldLog(options: {
  brokers: string[];
  prefix: string;
  space: string;
  partitions: number;
  types: TypeRegistry;
  /**
   * Receives every committed mutation in log order, per partition, with its offset and its writer: the
   * Kafka producer id and epoch of its record batch (a new primary's fence bumps the epoch).
   */
  onMutation?: (partition: number, mutation: Mutation, offset: number, writer: string) => void;
}): Promise<EntryPicture> {
  const kafka = new Kafka({ clientId: 'fold-test', brokers: options.brokers, logLevel: logLevel.NOTHING });
  const decoder = await createMutationDecoder({
    brokers: options.brokers,
    prefix: options.prefix,
    types: [...options.types],
  });
  const admin = kafka.admin();
  await admin.connect();
  const picture: EntryPicture = {};
  try {
    for (let k = 0; k < options.partitions; k++) {
      const topic = partitionTopic(options.prefix, options.space, k);
      const [end] = await admin.fetchTopicOffsets(topic);
      const high = Number(end?.high ?? '0');
      const state = new PartitionState(options.types);
      if (high > 0) {
        const consumer = kafka.consumer({
          groupId: `fold-${Math.random().toString(36).slice(2)}`,
          readUncommitted: false,
        });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        let lastSeen = Date.now();
        let next = 0;
        await consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const mutation = await decoder.decodeFresh(message);
              const batch = (message as { batchContext?: { producerId?: unknown; producerEpoch?: unknown } })
                .batchContext;
              options.onMutation?.(
                k,
                mutation,
                Number(message.offset),
                `${String(batch?.producerId)}:${String(batch?.producerEpoch)}`,
              );
              restoreApply(state, mutation, { topic, offset: Number(message.offset) });
              next = Number(message.offset) + 1;
            }
            lastSeen = Date.now();
          },
        });
        // Commit markers sit at the end of a transactional log: done when nothing arrives and we are near the end.
        while (!(next >= high - 1 && Date.now() - lastSeen > 1500) && Date.now() - lastSeen < 10_000) {
          await new Promise((r) => setTimeout(r, 200));
        }
        await consumer.disconnect();
      }
      for (const store of state.typeStores) {
        for (const [id, stored] of store.entries)
          picture[`${store.type.name}/${id}`] = { version: stored.version, entry: stored.entry };
      }
    }
  } finally {
    await admin.disconnect();
    await decoder.close();
  }
  return picture;
}

/** The same picture of a running grid. */
export function pictureOf(
  entries: Iterable<{ type: string; id: string; version: number; entry: unknown }>,
): EntryPicture {
  const picture: EntryPicture = {};
  for (const e of entries) picture[`${e.type}/${e.id}`] = { version: e.version, entry: e.entry };
  return picture;
}
