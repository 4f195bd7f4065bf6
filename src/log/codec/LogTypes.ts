import type { Type } from 'avsc';

/**
 * What the log layer needs to know of an entry type: its name and its current (reader) Avro type.
 * The engine's `EntryType` satisfies it structurally.
 */
export interface EntryAvroType {
  readonly name: string;
  readonly avroType: Type;
}

/** Where a mutation sits in the log: the partition topic and the Kafka offset of its record. */
export interface LogPosition {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset of the record (numbers are exact up to 2^53 records per partition). */
  readonly offset: number;
}

/** One Kafka record as the codec produces it. Headers are UTF-8 strings. */
export interface EncodedRecord {
  readonly key: Buffer;
  /** Null for tombstones (TAKE / EXPIRE). */
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/** The parts of a consumed Kafka record the codec reads (kafkajs `KafkaMessage` fits). */
export interface LogRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

/** A record whose key and value lie in one buffer (a packed batch): `buf[keyStart, keyEnd)` and so on. */
export interface RecordInBuffer {
  readonly buf: Buffer;
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}
