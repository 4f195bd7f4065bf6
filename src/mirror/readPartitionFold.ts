import type { Kafka } from 'kafkajs';
import { TopicScanner } from '../log/read/TopicScanner';
import type { LoggedMutation } from './coalesce';
import type { DeadLetter } from './DeadLetterStore';
import type { MirrorRecordDecoder } from './MirrorRecordDecoder';

/** The restore fold of a whole partition log, as the mirror rebuilds from it. */
export interface PartitionFold {
  /** The latest WRITE / UPDATE of every entry the log still holds, in log order. */
  readonly live: LoggedMutation[];
  /** Records that could not be decoded (only when dead-lettering; else the read rejects). */
  readonly undecodable: DeadLetter[];
  /** Next offset after the read (the log end when it began). */
  readonly nextOffset: number;
  /** Records read. */
  readonly records: number;
}

/**
 * Reads a partition log from its start to its end (read_committed) and folds it the way every reader
 * of the log does (`restoreApply`): per `type/id` the last WRITE / UPDATE wins, a TAKE / EXPIRE
 * removes the entry, and one of an absent entry is nothing.
 * @internal
 */
export async function readPartitionFold(options: {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly partition: number;
  readonly decoder: MirrorRecordDecoder;
  readonly deadLetter: boolean;
}): Promise<PartitionFold> {
  const latest = new Map<string, LoggedMutation>();
  const undecodable: DeadLetter[] = [];
  let records = 0;
  const scanner = new TopicScanner({
    kafka: options.kafka,
    topic: options.topic,
    onRecords: async (messages) => {
      records += messages.length;
      const decoded = await options.decoder.decode(options.partition, messages, options.deadLetter);
      undecodable.push(...decoded.undecodable);
      for (const logged of decoded.mutations) {
        const { op, type, id } = logged.mutation;
        const key = `${type}\u0000${id}`;
        // Re-inserted so the map's order stays the log order of each entry's latest record.
        latest.delete(key);
        if (op === 'WRITE' || op === 'UPDATE') latest.set(key, logged);
      }
    },
  });
  await scanner.start();
  return { live: [...latest.values()], undecodable, nextOffset: scanner.position, records };
}
