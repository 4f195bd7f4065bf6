import { Kafka, logLevel } from 'kafkajs';
import { fetchLogEndOffsets } from '../../../src/log/read/logEndOffsets';
import { createMutationDecoder } from '../../../src/log/read/MutationDecoder';
import { partitionTopic } from '../../../src/log/admin/topicNames';
import { restoreApply } from '../../../src/space/restoreApply';
import { PartitionState } from '../../../src/space/PartitionState';
import type { TypeRegistry } from '../../../src/schema/TypeRegistry';
import type { Mutation } from '../../../src/space/Mutation';

/** A comparable picture of entries: `type/id` → version and state. */
export type EntryPicture = Record<string, { version: number; entry: unknown }>;

/** How long the read of a partition may make no progress before the fold gives up (and throws). */
export const FOLD_SILENCE_MS = 60_000;

/**
 * docs/design.md law 1 from the outside: reads the raw partition topics with a plain kafkajs read_committed consumer,
 * decodes with the public decoder and folds it as Kafka keeps it (`restoreApply`), independently of the grid's own warm-up.
 *
 * Each partition is read up to its high watermark when its read starts (everything written then,
 * decided or not: a transaction still open holds the read until it ends). Throws, naming the topic
 * and how far it got, when a read makes no progress for {@link FOLD_SILENCE_MS}: a partial picture is
 * never returned.
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
  const picture: EntryPicture = {};
  try {
    for (let k = 0; k < options.partitions; k++) {
      const topic = partitionTopic(options.prefix, options.space, k);
      // Not admin.fetchTopicOffsets: it answers the last stable offset, which trails a transaction
      // acknowledged a moment ago until its commit markers are written.
      const { high } = await fetchLogEndOffsets(kafka, topic);
      const state = new PartitionState(options.types);
      if (high > 0) {
        const consumer = kafka.consumer({
          groupId: `fold-${Math.random().toString(36).slice(2)}`,
          readUncommitted: false,
        });
        // The next offset to read, counting what read_committed never delivers (commit and abort
        // markers, aborted records): kafkajs reports a batch of only those by this event alone.
        let next = 0;
        let lastSeen = Date.now();
        const advance = (lastOffset: string): void => {
          next = Math.max(next, Number(lastOffset) + 1);
          lastSeen = Date.now();
        };
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => advance(payload.lastOffset));
        try {
          await consumer.connect();
          await consumer.subscribe({ topic, fromBeginning: true });
          await consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages) {
                const mutation = await decoder.decodeFresh(message);
                const context = (
                  message as { batchContext?: { producerId?: unknown; producerEpoch?: unknown } }
                ).batchContext;
                options.onMutation?.(
                  k,
                  mutation,
                  Number(message.offset),
                  `${String(context?.producerId)}:${String(context?.producerEpoch)}`,
                );
                restoreApply(state, mutation, { topic, offset: Number(message.offset) });
              }
              advance(batch.lastOffset());
            },
          });
          while (next < high) {
            if (Date.now() - lastSeen > FOLD_SILENCE_MS) {
              throw new Error(
                `foldLog: ${topic} read to offset ${next} of ${high}, then nothing for ${FOLD_SILENCE_MS} ms`,
              );
            }
            await new Promise((r) => setTimeout(r, 100));
          }
        } finally {
          await consumer.disconnect();
        }
      }
      for (const store of state.typeStores) {
        for (const [id, stored] of store.entries)
          picture[`${store.type.name}/${id}`] = { version: stored.version, entry: stored.entry };
      }
    }
  } finally {
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
