import type { Kafka } from 'kafkajs';
import { LogReader, type LogReaderOptions } from '../log/read/LogReader';
import type { MutationCodec } from '../log/codec/MutationCodec';
import type { SchemaTopic } from '../log/read/SchemaTopic';
import type { KafkaConnection } from '../log/connection/KafkaConnection';
import type { SpacelogLogger } from '../ops/logging/SpacelogLogger';
import type { TypeRegistry } from '../schema/TypeRegistry';

/** Where a replica's partition log is and how to read it: what primaries and backups share. */
export interface ReplicaLogOptions {
  readonly kafka: Kafka;
  readonly prefix: string;
  readonly space: string;
  readonly partition: number;
  readonly types: TypeRegistry;
  readonly codec: MutationCodec;
  /** Reloads writer schemas when a record names an unknown one. */
  readonly schemaTopic?: SchemaTopic;
  /** Identity stamped on the mutations this replica creates (process / replica id). */
  readonly origin: string;
  /** Catch-ups (a primary's warm-up, a backup's first catch-up) fetch in a worker thread connected this way. */
  readonly fetchInWorker?: KafkaConnection;
  /** A catch-up with fewer offsets ahead stays on the main thread (LogReader's `workerMinOffsets`). */
  readonly workerMinOffsets?: number;
  /** Where the replica's role changes are logged, bound to its space, unit and partition; absent: nowhere. */
  readonly logger?: SpacelogLogger;
}

/** What the replica decides about a read of its log: where to start and where the mutations go. */
export type ReplicaLogReading = Omit<
  LogReaderOptions,
  | 'kafka'
  | 'prefix'
  | 'space'
  | 'partition'
  | 'codec'
  | 'schemaTopic'
  | 'fetchInWorker'
  | 'workerMinOffsets'
  | 'logger'
>;

/**
 * A reader of the replica's own partition log: the log (topic, codec, schema reloads) comes from the
 * replica's options, so a primary's warm-up and a backup's tail read it the same way.
 */
export function replicaLogReader(log: ReplicaLogOptions, reading: ReplicaLogReading): LogReader {
  return new LogReader({
    kafka: log.kafka,
    prefix: log.prefix,
    space: log.space,
    partition: log.partition,
    codec: log.codec,
    ...(log.schemaTopic ? { schemaTopic: log.schemaTopic } : {}),
    ...(log.fetchInWorker ? { fetchInWorker: log.fetchInWorker } : {}),
    ...(log.workerMinOffsets === undefined ? {} : { workerMinOffsets: log.workerMinOffsets }),
    ...reading,
  });
}
