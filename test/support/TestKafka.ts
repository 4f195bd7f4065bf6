import {
  Admin,
  Consumer,
  ConsumerConfig,
  ITopicConfig,
  Kafka,
  KafkaMessage,
  logLevel,
  Producer,
  ProducerConfig,
} from 'kafkajs';
import { testKafkaBrokers } from './endpoints';
import { uniqueName } from './uniqueName';

/** A message read back by {@link TestKafka.readUntil}, with where it came from. */
export interface ReadMessage {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: KafkaMessage['headers'];
}

/** How {@link TestKafka.readUntil} reads a topic. */
export interface ReadOptions {
  /** `read_committed` (default) hides aborted transactions; `read_uncommitted` shows them. */
  readonly isolation?: 'read_committed' | 'read_uncommitted';
  /** Guard against a test hanging forever; the read fails (it does not assert) when it expires. Default 30 s. */
  readonly timeoutMs?: number;
}

/** Options of a topic made by {@link TestKafka.createTopic}. */
export interface TestTopicOptions {
  readonly numPartitions?: number;
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  readonly configs?: Readonly<Record<string, string>>;
}

/**
 * Kafka for one test file: a kafkajs client bound to the test brokers, a unique prefix for every
 * topic, group and transactional id it makes, and one `close()` that disconnects every client it
 * handed out and deletes every topic under its prefix.
 */
export class TestKafka {
  /** Unique per instance, e.g. `t-stack-1a2b3c4d`: every name this instance makes starts with it. */
  readonly prefix: string;
  readonly brokers: readonly string[];
  readonly kafka: Kafka;
  private readonly clients: { disconnect(): Promise<void> }[] = [];

  /** `label` names the test in topic names; kafkajs logs are silent unless SPACELOG_TEST_KAFKA_LOG=warn. */
  constructor(label = 'test') {
    this.prefix = uniqueName(`t-${label}`);
    this.brokers = testKafkaBrokers();
    this.kafka = new Kafka({
      clientId: this.prefix,
      brokers: [...this.brokers],
      logLevel: process.env['SPACELOG_TEST_KAFKA_LOG'] === 'warn' ? logLevel.WARN : logLevel.NOTHING,
    });
  }

  /** A name under this instance's prefix: `<prefix>.<suffix>`. */
  name(suffix: string): string {
    return `${this.prefix}.${suffix}`;
  }

  /** A connected admin client, disconnected by {@link close}. */
  async admin(): Promise<Admin> {
    const admin = this.kafka.admin();
    this.clients.push(admin);
    await admin.connect();
    return admin;
  }

  /** A connected producer, disconnected by {@link close}. */
  async producer(config: ProducerConfig = {}): Promise<Producer> {
    const producer = this.kafka.producer(config);
    this.clients.push(producer);
    await producer.connect();
    return producer;
  }

  /** A connected consumer (unique group id unless given), disconnected by {@link close}. */
  async consumer(config: Partial<ConsumerConfig> = {}): Promise<Consumer> {
    const consumer = this.kafka.consumer({ groupId: uniqueName(this.name('group')), ...config });
    this.clients.push(consumer);
    await consumer.connect();
    return consumer;
  }

  /** Creates `<prefix>.<suffix>` (waiting for its leaders) and returns its full name. */
  async createTopic(suffix: string, options: TestTopicOptions = {}): Promise<string> {
    const topic = this.name(suffix);
    const admin = await this.admin();
    const config: ITopicConfig = {
      topic,
      numPartitions: options.numPartitions ?? 1,
      configEntries: Object.entries(options.configs ?? {}).map(([name, value]) => ({ name, value })),
    };
    await admin.createTopics({ topics: [config], waitForLeaders: true });
    return topic;
  }

  /**
   * Reads `topic` from the beginning with a fresh consumer group until `done(messagesSoFar)` is true,
   * and returns what was read. Prove absence with a marker written last, not with a wait.
   */
  async readUntil(
    topic: string,
    done: (messages: readonly ReadMessage[]) => boolean,
    options: ReadOptions = {},
  ): Promise<ReadMessage[]> {
    const consumer = await this.consumer({ readUncommitted: options.isolation === 'read_uncommitted' });
    const messages: ReadMessage[] = [];
    const timeoutMs = options.timeoutMs ?? 30_000;
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`read of ${topic} not done after ${timeoutMs} ms; read ${messages.length} messages`),
            ),
          timeoutMs,
        );
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              messages.push({
                partition,
                offset: message.offset,
                key: message.key?.toString() ?? null,
                value: message.value?.toString() ?? null,
                headers: message.headers,
              });
              if (done(messages)) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch((error: unknown) => {
            clearTimeout(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          });
      });
    } finally {
      await consumer.disconnect();
    }
    return messages;
  }

  /** Reads until `count` messages have arrived (see {@link readUntil}). */
  readMessages(topic: string, count: number, options: ReadOptions = {}): Promise<ReadMessage[]> {
    return this.readUntil(topic, (messages) => messages.length >= count, options);
  }

  /** Disconnects every client handed out and deletes every topic under the prefix. Idempotent. */
  async close(): Promise<void> {
    const clients = this.clients.splice(0);
    await Promise.all(clients.map((client) => client.disconnect().catch(() => undefined)));
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await deleteTopicsByPrefix(admin, this.prefix);
    } finally {
      await admin.disconnect();
    }
  }
}

/** Deletes every topic whose name starts with `prefix`; returns their names. */
export async function deleteTopicsByPrefix(admin: Admin, prefix: string): Promise<string[]> {
  const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  return topics;
}
