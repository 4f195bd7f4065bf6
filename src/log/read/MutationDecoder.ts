import type { Kafka } from 'kafkajs';
import { UnknownSchemaError } from '../../errors';
import type { KafkaClientOptions } from '../connection/KafkaClientOptions';
import type { KafkaConnection } from '../connection/KafkaConnection';
import { KAFKA_CLIENT_IDS, kafkaOn, openKafka } from '../connection/openKafka';
import type { Mutation } from '../../space/Mutation';
import type { EntryAvroType, LogRecord } from '../codec/LogTypes';
import { MutationCodec } from '../codec/MutationCodec';
import { SchemaTopic } from './SchemaTopic';
import { TopicAdmin } from '../admin/TopicAdmin';
import { WriterSchemas } from '../codec/WriterSchemas';

/**
 * Where a standalone decoder finds the schema topic. TLS and SASL as everywhere (`ssl`, `sasl`, or
 * the SPACELOG_KAFKA_* environment: docs/security.md).
 */
export interface MutationDecoderOptions extends KafkaClientOptions {
  /** Kafka bootstrap brokers, e.g. `['127.0.0.1:9092']`. */
  readonly brokers: readonly string[];
  /** Topic prefix of the Spacelog deployment. */
  readonly prefix: string;
  /** Reader types to resolve states to; types not listed decode with their own writer schema. */
  readonly types?: readonly EntryAvroType[];
}

/**
 * Decodes Spacelog partition-log records for any Kafka consumer (another service, a stream job):
 * give it each record's key, value and headers. It loads writer schemas from the schema topic,
 * and reloads them when a record names one registered after it started.
 */
export class MutationDecoder {
  private constructor(
    private readonly codec: MutationCodec,
    private readonly schemaTopic: SchemaTopic,
    private readonly admin: TopicAdmin,
  ) {}

  /** Connects, loads the writer schemas and returns a ready decoder. */
  static async create(options: MutationDecoderOptions): Promise<MutationDecoder> {
    const { prefix: _prefix, types: _types, ...kafkaOptions } = options;
    const { kafka } = openKafka(kafkaOptions, { clientId: KAFKA_CLIENT_IDS.decoder });
    return MutationDecoder.load(kafka, options);
  }

  /**
   * A decoder on a connection resolved already (the console's, `spacelog tail`'s), not resolved
   * again; its own client id and kafkajs's default tuning, as {@link create}'s.
   * @internal
   */
  static async over(
    connection: KafkaConnection,
    options: Pick<MutationDecoderOptions, 'prefix' | 'types'>,
  ): Promise<MutationDecoder> {
    const { kafka } = kafkaOn(connection, { clientId: KAFKA_CLIENT_IDS.decoder });
    return MutationDecoder.load(kafka, options);
  }

  private static async load(
    kafka: Kafka,
    options: Pick<MutationDecoderOptions, 'prefix' | 'types'>,
  ): Promise<MutationDecoder> {
    // A reader does not own the topics' settings: drift is the grid's to report, not every consumer's.
    const admin = new TopicAdmin({ kafka, prefix: options.prefix, onDrift: () => undefined });
    const schemaTopic = new SchemaTopic({ kafka, topics: admin });
    const writerSchemas = await schemaTopic.load(new WriterSchemas());
    const codec = new MutationCodec({
      writerSchemas,
      ...(options.types === undefined ? {} : { types: options.types }),
    });
    return new MutationDecoder(codec, schemaTopic, admin);
  }

  /** Decodes one record; throws `UnknownSchemaError` if its writer schema is not loaded yet. */
  decode(record: LogRecord): Mutation {
    return this.codec.decode(record);
  }

  /** Decodes one record, reloading the schema topic once if its writer schema is new. */
  async decodeFresh(record: LogRecord): Promise<Mutation> {
    try {
      return this.codec.decode(record);
    } catch (error) {
      if (!(error instanceof UnknownSchemaError)) throw error;
      await this.schemaTopic.load(this.codec.writerSchemas);
      return this.codec.decode(record);
    }
  }

  /** Releases the admin connection. */
  async close(): Promise<void> {
    await this.admin.close();
  }
}

/** Shorthand for `MutationDecoder.create`. */
export function createMutationDecoder(options: MutationDecoderOptions): Promise<MutationDecoder> {
  return MutationDecoder.create(options);
}
