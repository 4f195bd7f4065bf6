import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Admin, Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { isSpacelogError, SpaceNotFoundError, type SpacelogError } from '../errors';
import { GroupJoinWatch } from '../log/connection/GroupJoinWatch';
import type { KafkaClientOptions } from '../log/connection/KafkaClientOptions';
import type { KafkaConnection } from '../log/connection/KafkaConnection';
import { KAFKA_CLIENT_IDS, openKafka } from '../log/connection/openKafka';
import { MutationDecoder } from '../log/read/MutationDecoder';
import { checkPrefix, checkSpaceName } from '../log/admin/topicNames';
import {
  formatTailLine,
  matchesTypeFilter,
  partitionTopicsOf,
  type PartitionTopic,
} from '../console/tailFormat';

/** What `spacelog tail` reads and where it prints. */
export interface LogTailOptions {
  readonly brokers: readonly string[];
  /** TLS and SASL (`ssl`, `sasl`); the SPACELOG_KAFKA_* environment fills what is not given. */
  readonly kafka?: KafkaClientOptions;
  readonly prefix: string;
  readonly space: string;
  /** Print only mutations of this entry type. */
  readonly type?: string;
  /** Read every partition log from its start; otherwise from its end when the tail started. */
  readonly fromBeginning: boolean;
  /** Stop after printing this many mutations. */
  readonly max?: number;
  /** Where JSON lines go; default stdout. Backpressure is honoured. */
  readonly output?: NodeJS.WritableStream;
  /** Where warnings (undecodable records) go; default stderr. */
  readonly warn?: (line: string) => void;
}

/** What a finished tail did. */
export interface LogTailResult {
  readonly printed: number;
  readonly topics: readonly PartitionTopic[];
}

/**
 * Follows every partition log of a space and prints each committed mutation as a JSON line. It is
 * a plain Kafka consumer, as any user's would be: read_committed (aborted transactions of fenced
 * primaries never show), a group id of its own (it never takes records from anyone), nothing
 * committed, and the group deleted on the way out.
 */
export class LogTail {
  private readonly connection: KafkaConnection;
  private readonly kafka: Kafka;
  private readonly groupId = `spacelog-tail-${randomUUID()}`;
  private readonly output: NodeJS.WritableStream;
  private readonly warn: (line: string) => void;
  private admin: Admin | undefined;
  private consumer: Consumer | undefined;
  /** The consumer's first group join, which a stop lets end before disconnecting. */
  private readonly join = new GroupJoinWatch();
  private decoder: MutationDecoder | undefined;
  private printed = 0;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private settle: ((error?: SpacelogError | Error) => void) | undefined;

  constructor(private readonly options: LogTailOptions) {
    checkPrefix(options.prefix);
    checkSpaceName(options.space);
    this.output = options.output ?? process.stdout;
    this.warn = options.warn ?? ((line) => process.stderr.write(`${line}\n`));
    const { kafka, connection } = openKafka(
      { ...options.kafka, brokers: options.brokers },
      { clientId: KAFKA_CLIENT_IDS.tail, tuning: 'command' },
    );
    this.kafka = kafka;
    this.connection = connection;
  }

  /**
   * Reads until {@link stop}, `max` mutations, or a failure. Resolves after everything is
   * disconnected; rejects with `SpaceNotFoundError` when the space has no partition topic.
   */
  async run(): Promise<LogTailResult> {
    const finished = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    // A closed pipe (`spacelog tail orders | head`) ends the tail instead of crashing it.
    const onOutputError = (): void => this.stop();
    this.output.on('error', onOutputError);
    let topics: PartitionTopic[] = [];
    let failure: unknown;
    try {
      topics = await this.discover();
      if (!this.stopped) await this.start(topics);
      if (this.stopped) this.settle?.();
      await finished;
    } catch (error) {
      failure = error;
    }
    await this.disconnect();
    this.output.off('error', onOutputError);
    if (failure !== undefined) throw failure;
    return { printed: this.printed, topics };
  }

  /** Asks the tail to stop; {@link run} resolves once it has. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.settle?.();
  }

  private async discover(): Promise<PartitionTopic[]> {
    const { prefix, space } = this.options;
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const topics = partitionTopicsOf(await this.admin.listTopics(), prefix, space);
    if (topics.length === 0) {
      throw new SpaceNotFoundError(
        `space '${space}' has no partition topics '${prefix}.${space}.<k>' on ${this.options.brokers.join(',')}`,
        { space },
      );
    }
    return topics;
  }

  private async start(topics: readonly PartitionTopic[]): Promise<void> {
    const { prefix, fromBeginning } = this.options;
    // Log ends taken now, before the group join (which takes seconds): "from the end" means from
    // when the user typed the command, not from whenever the consumer got its assignment.
    const ends = fromBeginning ? undefined : await this.endOffsets(topics);
    this.decoder = await MutationDecoder.over(this.connection, { prefix });
    const consumer = this.kafka.consumer({ groupId: this.groupId, readUncommitted: false });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) this.settle?.(event.payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: topics.map((t) => t.topic), fromBeginning });
    const partitionOf = new Map(topics.map((t) => [t.topic, t.partition]));
    await this.join.run(consumer, {
      autoCommit: false,
      eachMessage: (payload) => this.onMessage(payload, partitionOf.get(payload.topic) ?? -1),
    });
    for (const [topic, offset] of ends ?? []) consumer.seek({ topic, partition: 0, offset });
  }

  private async endOffsets(topics: readonly PartitionTopic[]): Promise<Map<string, string>> {
    const admin = this.admin!;
    const ends = new Map<string, string>();
    for (const { topic } of topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends.set(topic, offsets.find((o) => o.partition === 0)?.high ?? '0');
    }
    return ends;
  }

  private async onMessage(payload: EachMessagePayload, partition: number): Promise<void> {
    if (this.stopped) return;
    const { message, topic } = payload;
    let line: string;
    try {
      const mutation = await this.decoder!.decodeFresh(message);
      if (!matchesTypeFilter(mutation, this.options.type)) return;
      line = formatTailLine(partition, Number(message.offset), mutation);
    } catch (error) {
      // One undecodable record must not end a debugging tail: say where it is and go on.
      const reason = isSpacelogError(error) || error instanceof Error ? error.message : String(error);
      this.warn(`spacelog tail: cannot decode ${topic}@${message.offset}: ${reason}`);
      return;
    }
    if (this.stopped) return;
    this.printed++;
    if (!this.output.write(`${line}\n`)) await once(this.output, 'drain').catch(() => this.stop());
    // Stopping from inside eachMessage would wait for itself: the stop happens once this returns.
    if (this.options.max !== undefined && this.printed >= this.options.max) this.stop();
  }

  private async disconnect(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      if (this.consumer !== undefined) await this.join.disconnect(this.consumer);
      if (this.consumer !== undefined) {
        // A group per run: remove it rather than leave an empty group behind on the cluster.
        await this.admin?.deleteGroups([this.groupId]).catch(() => undefined);
      }
      await this.admin?.disconnect().catch(() => undefined);
      await this.decoder?.close().catch(() => undefined);
    })();
    return this.stopping;
  }
}
