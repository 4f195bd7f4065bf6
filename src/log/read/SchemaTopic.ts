import type { Kafka } from 'kafkajs';
import type { Schema } from 'avsc';
import { CorruptRecordError, SchemaIncompatibleError, SpacelogError } from '../../errors';
import { findIncompatibility } from '../codec/compatibility';
import { wrapKafkaError } from '../connection/kafkaErrors';
import type { EntryAvroType } from '../codec/LogTypes';
import { schemaFingerprint } from '../codec/mutationEnvelope';
import type { TopicAdmin } from '../admin/TopicAdmin';
import { TopicScanner } from './TopicScanner';
import { WriterSchemas } from '../codec/WriterSchemas';

/** Where the schema topic lives. */
export interface SchemaTopicOptions {
  readonly kafka: Kafka;
  /** Creates / checks the topic `<prefix>.__schemas` (its prefix is used). */
  readonly topics: TopicAdmin;
}

/**
 * The compacted topic `<prefix>.__schemas`: key `<type>/<fingerprint hex>`, value the writer
 * schema JSON (UTF-8, with its docs and Spacelog attributes). Every writer registers its current
 * schemas before appending, so any reader can resolve any record of the partition logs.
 *
 * Compatibility is BACKWARD_TRANSITIVE: a new version must read data written with every registered
 * version of its type, because a compacted log keeps an untouched entry's record forever.
 */
export class SchemaTopic {
  private readonly kafka: Kafka;
  private readonly topics: TopicAdmin;

  constructor(options: SchemaTopicOptions) {
    this.kafka = options.kafka;
    this.topics = options.topics;
  }

  /** Reads every registered writer schema (into `into` when given). */
  async load(into: WriterSchemas = new WriterSchemas()): Promise<WriterSchemas> {
    const topic = await this.topics.ensureSchemaTopic();
    const scanner = new TopicScanner({
      kafka: this.kafka,
      topic,
      onRecords: (records) => {
        for (const record of records) {
          if (record.key === null || record.value === null) continue;
          const key = record.key.toString('utf8');
          const slash = key.lastIndexOf('/');
          if (slash <= 0)
            throw new CorruptRecordError(`schema topic key '${key}' is not <type>/<fingerprint>`);
          const schema = JSON.parse(record.value.toString('utf8')) as Schema;
          into.add(key.slice(0, slash), schema, key.slice(slash + 1));
        }
      },
    });
    await scanner.start();
    return into;
  }

  /**
   * Registers the current schema of each type (a no-op for one already registered) after checking
   * it can read every registered version. Refuses an incompatible one with `SchemaIncompatibleError`
   * naming the type and field, registering nothing. Returns all writer schemas, new ones included.
   */
  async register(
    types: readonly EntryAvroType[],
    into: WriterSchemas = new WriterSchemas(),
  ): Promise<WriterSchemas> {
    const known = await this.load(into);
    const fresh: { key: string; value: string }[] = [];
    for (const entryType of types) {
      const fingerprint = schemaFingerprint(entryType.avroType);
      if (known.get(entryType.name, fingerprint) !== undefined) continue;
      for (const older of known.versions(entryType.name)) {
        const problem = findIncompatibility(entryType.avroType, older.type);
        if (problem !== undefined) {
          throw new SchemaIncompatibleError(
            `schema of type '${entryType.name}' cannot read data written with registered version ` +
              `${older.fingerprint}: ${problem.reason}` +
              (problem.field === '' ? '' : ` (field '${problem.field}')`),
            entryType.name,
            problem.field,
            older.fingerprint,
          );
        }
      }
      const schema = entryType.avroType.schema({ exportAttrs: true });
      fresh.push({ key: `${entryType.name}/${fingerprint}`, value: JSON.stringify(schema) });
    }
    if (fresh.length === 0) return known;
    await this.produce(fresh);
    for (const entryType of types)
      known.add(entryType.name, entryType.avroType.schema({ exportAttrs: true }));
    return known;
  }

  private async produce(records: readonly { key: string; value: string }[]): Promise<void> {
    const topic = await this.topics.ensureSchemaTopic();
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    try {
      await producer.connect();
      await producer.send({
        topic,
        acks: -1,
        messages: records.map((r) => ({ key: r.key, value: r.value })),
      });
    } catch (error) {
      throw wrapKafkaError(
        error,
        'registering schemas',
        {},
        (message) => new SpacelogError(message, 'SCHEMA_REGISTRATION', true, { cause: error }),
      );
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }
}
