import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { SpaceNotFoundError } from '../errors';
import { formatTailLine, partitionTopicsOf, type TailLine } from './tailFormat';
import { GroupJoinWatch } from '../log/connection/GroupJoinWatch';
import type { KafkaConnection } from '../log/connection/KafkaConnection';
import { MutationDecoder } from '../log/read/MutationDecoder';
import type { MutationFeed } from './ConsoleDataSource';
import { describeError } from './describeError';

/** Mutations kept for a page that opens after they were written. */
export const DEFAULT_RECENT_MUTATIONS = 50;

/** How long the tail keeps following after its last listener left (a page reload must not rejoin). */
export const DEFAULT_TAIL_IDLE_MS = 60_000;

/** What the console's tail reads. */
export interface ConsoleTailOptions {
  readonly kafka: Kafka;
  /** The same connection, for the schema topic reader of the decoder. */
  readonly connection: KafkaConnection;
  readonly prefix: string;
  readonly space: string;
  readonly recent?: number;
  readonly idleMs?: number;
  /** An undecodable record (the tail goes on). */
  readonly onWarning?: (line: string) => void;
}

/**
 * The console's live tail: one read_committed Kafka consumer over every partition log of the space,
 * in a group of its own that never commits (as `spacelog tail`), started by the first listener, from
 * the log ends taken when it starts, and shared by every open page. It stops once nobody has listened
 * for `idleMs`, and starts again on the next listener.
 */
export class ConsoleTail implements MutationFeed {
  private readonly listeners = new Set<(line: TailLine) => void>();
  private readonly kept: TailLine[] = [];
  private readonly recentMax: number;
  private readonly idleMs: number;
  private running: Promise<Running> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: ConsoleTailOptions) {
    this.recentMax = options.recent ?? DEFAULT_RECENT_MUTATIONS;
    this.idleMs = options.idleMs ?? DEFAULT_TAIL_IDLE_MS;
  }

  subscribe(listener: (line: TailLine) => void): () => void {
    this.listeners.add(listener);
    this.cancelIdle();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.scheduleIdleStop();
    };
  }

  recent(): readonly TailLine[] {
    return [...this.kept];
  }

  async ready(): Promise<void> {
    if (this.closed) throw new Error('the console is closed');
    this.running ??= this.start();
    const started = this.running;
    try {
      await started;
    } catch (error) {
      // A failed start is not cached: the next page tries again (Kafka may be back).
      if (this.running === started) this.running = undefined;
      throw error;
    }
  }

  /** Stops following for good. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelIdle();
    await this.stop();
  }

  private async start(): Promise<Running> {
    const { kafka, connection, prefix, space } = this.options;
    const groupId = `spacelog-console-${randomUUID()}`;
    const admin = kafka.admin();
    const running: Running = { admin, groupId, join: new GroupJoinWatch() };
    try {
      await admin.connect();
      const topics = partitionTopicsOf(await admin.listTopics(), prefix, space);
      if (topics.length === 0) {
        throw new SpaceNotFoundError(`space '${space}' has no partition topics '${prefix}.${space}.<k>'`, {
          space,
        });
      }
      // Ends taken before the (slow) group join: "from now" is when the tail was asked for.
      const ends = await Promise.all(
        topics.map(async ({ topic }) => {
          const offsets = await admin.fetchTopicOffsets(topic);
          return [topic, offsets.find((o) => o.partition === 0)?.high ?? '0'] as const;
        }),
      );
      running.decoder = await MutationDecoder.over(connection, { prefix });
      const consumer = kafka.consumer({ groupId, readUncommitted: false });
      running.consumer = consumer;
      consumer.on(consumer.events.CRASH, (event) => {
        // kafkajs gave up: the next page starts a fresh tail instead of waiting on a dead one.
        if (event.payload.restart) return;
        this.options.onWarning?.(`console tail stopped: ${describeError(event.payload.error)}`);
        if (this.running !== undefined) void this.stop();
      });
      await consumer.connect();
      await consumer.subscribe({ topics: topics.map((t) => t.topic), fromBeginning: false });
      const partitionOf = new Map(topics.map((t) => [t.topic, t.partition]));
      const decoder = running.decoder;
      await running.join.run(consumer, {
        autoCommit: false,
        eachMessage: (payload) => this.onMessage(decoder, payload, partitionOf.get(payload.topic) ?? -1),
      });
      for (const [topic, offset] of ends) consumer.seek({ topic, partition: 0, offset });
      return running;
    } catch (error) {
      await disconnect(running);
      throw error;
    }
  }

  private async onMessage(
    decoder: MutationDecoder,
    payload: EachMessagePayload,
    partition: number,
  ): Promise<void> {
    const { message, topic } = payload;
    let line: TailLine;
    try {
      const mutation = await decoder.decodeFresh(message);
      line = JSON.parse(formatTailLine(partition, Number(message.offset), mutation)) as TailLine;
    } catch (error) {
      this.options.onWarning?.(
        `console tail: cannot decode ${topic}@${message.offset}: ${describeError(error)}`,
      );
      return;
    }
    this.kept.push(line);
    if (this.kept.length > this.recentMax) this.kept.shift();
    for (const listener of this.listeners) listener(line);
  }

  private scheduleIdleStop(): void {
    this.cancelIdle();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.listeners.size === 0) void this.stop();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private cancelIdle(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (running === undefined) return;
    const started = await running.catch(() => undefined);
    if (started !== undefined) await disconnect(started);
  }
}

/** The clients of one run of the tail. */
interface Running {
  readonly admin: Admin;
  readonly groupId: string;
  consumer?: Consumer;
  /** The consumer's first group join, which a stop lets end before disconnecting. */
  readonly join: GroupJoinWatch;
  decoder?: MutationDecoder;
}

async function disconnect(running: Running): Promise<void> {
  if (running.consumer !== undefined) await running.join.disconnect(running.consumer);
  // A group per run: removed rather than left empty on the cluster.
  if (running.consumer !== undefined)
    await running.admin.deleteGroups([running.groupId]).catch(() => undefined);
  await running.admin.disconnect().catch(() => undefined);
  await running.decoder?.close().catch(() => undefined);
}
