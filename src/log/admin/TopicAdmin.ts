import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { InvalidArgumentError, TopicConfigError } from '../../errors';
import { retry } from '../../retry/Retrier';
import { wrapKafkaError } from '../connection/kafkaErrors';
import {
  CHECKED_CONFIGS,
  checkTopicSettings,
  resolveTopicSettings,
  topicConfigEntries,
  type ResolvedTopicSettings,
  type TopicDrift,
  type TopicSettings,
} from './TopicSettings';
import {
  checkPrefix,
  checkSpaceName,
  parsePartitionTopic,
  partitionTopic,
  schemaTopicName,
  unitsTopicName,
} from './topicNames';

/** How topics are created. Production: `replicationFactor: 3, minInsyncReplicas: 2`. */
export interface TopicAdminOptions {
  readonly kafka: Kafka;
  readonly prefix: string;
  /** Replicas of each topic; default 1 (a one-broker dev stack). Use 3 in production. */
  readonly replicationFactor?: number;
  /** `min.insync.replicas` of each topic; default 1. Use 2 in production (with acks=all). */
  readonly minInsyncReplicas?: number;
  /** Compaction, retention and size settings of the topics (defaults in `TopicSettings`). */
  readonly settings?: TopicSettings;
  /**
   * A topic setting differs from Spacelog's without putting data at risk; default: a process warning
   * (`SPACELOG_TOPIC_DRIFT`). Settings that would lose data are refused with TopicConfigError instead.
   */
  readonly onDrift?: (drift: TopicDrift) => void;
}

/** Dev-stack defaults; production should set 3 / 2. */
export const DEFAULT_REPLICATION_FACTOR = 1;
export const DEFAULT_MIN_INSYNC_REPLICAS = 1;

/** Attempts of `ensureSpace` while another process may be creating the same space. */
const CREATE_RACE_ATTEMPTS = 10;
/** Wait between those attempts, ms. */
const CREATE_RACE_DELAY_MS = 300;

/**
 * Creates and checks the Kafka topics of spaces: one compacted, single-partition topic per space
 * partition (`<prefix>.<space>.<k>`) and the schema topic. An existing layout that does not match
 * (other partition count, a multi-partition or non-compacted topic) is refused with
 * `TopicConfigError`, never silently used: the log is the truth (docs/design.md law 1).
 */
export class TopicAdmin {
  readonly prefix: string;
  private readonly kafka: Kafka;
  private readonly replicationFactor: number;
  private readonly minInsyncReplicas: number;
  /** What topics are created with and checked against. */
  readonly settings: ResolvedTopicSettings;
  private readonly onDrift: (drift: TopicDrift) => void;
  private admin: Promise<Admin> | undefined;

  constructor(options: TopicAdminOptions) {
    checkPrefix(options.prefix);
    this.kafka = options.kafka;
    this.prefix = options.prefix;
    this.replicationFactor = options.replicationFactor ?? DEFAULT_REPLICATION_FACTOR;
    this.minInsyncReplicas = options.minInsyncReplicas ?? DEFAULT_MIN_INSYNC_REPLICAS;
    if (!Number.isInteger(this.replicationFactor) || this.replicationFactor < 1) {
      throw new InvalidArgumentError(
        `replicationFactor must be a positive integer, got ${this.replicationFactor}`,
      );
    }
    if (!Number.isInteger(this.minInsyncReplicas) || this.minInsyncReplicas < 1) {
      throw new InvalidArgumentError(
        `minInsyncReplicas must be a positive integer, got ${this.minInsyncReplicas}`,
      );
    }
    if (this.minInsyncReplicas > this.replicationFactor) {
      throw new InvalidArgumentError(
        `minInsyncReplicas (${this.minInsyncReplicas}) exceeds replicationFactor (${this.replicationFactor})`,
      );
    }
    this.settings = resolveTopicSettings(options.settings ?? {}, this.minInsyncReplicas);
    this.onDrift = options.onDrift ?? warnDrift;
  }

  /**
   * Makes sure the space has exactly `partitions` partition topics, creating them all when none
   * exists. Returns the topic names by partition. Throws `TopicConfigError` on any mismatch.
   */
  async ensureSpace(space: string, partitions: number): Promise<readonly string[]> {
    checkSpaceName(space);
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new InvalidArgumentError(`partitions must be a positive integer, got ${partitions}`, { space });
    }
    const wanted = Array.from({ length: partitions }, (_, k) => partitionTopic(this.prefix, space, k));
    return this.settled(async () => {
      const existing = await this.spaceTopics(space);
      if (existing.length === 0) await this.create(wanted, { space });
      else this.checkPartitionCount(space, partitions, existing);
      await this.checkTopics(wanted, { space }, true);
      return wanted;
    });
  }

  /** Makes sure the schema topic exists and is compacted; returns its name. */
  async ensureSchemaTopic(): Promise<string> {
    const topic = schemaTopicName(this.prefix);
    return this.settled(async () => {
      const all = await this.call('list topics', {}, (admin) => admin.listTopics());
      if (!all.includes(topic)) await this.create([topic], {});
      await this.checkTopics([topic], {}, false);
      return topic;
    });
  }

  /** Makes sure the space's membership topic exists (see `unitsTopicName`); returns its name. */
  async ensureUnitsTopic(space: string): Promise<string> {
    checkSpaceName(space);
    const topic = unitsTopicName(this.prefix, space);
    return this.settled(async () => {
      const all = await this.call('list topics', { space }, (admin) => admin.listTopics());
      if (!all.includes(topic)) await this.create([topic], { space });
      await this.checkTopics([topic], { space }, false);
      return topic;
    });
  }

  /** Partition count of an existing space (from its topics), or undefined when it has none. */
  async describeSpace(space: string): Promise<number | undefined> {
    checkSpaceName(space);
    const existing = await this.spaceTopics(space);
    return existing.length === 0 ? undefined : existing.length;
  }

  /** Deletes every partition topic of a space (tooling and tests; the data is gone). */
  async deleteSpace(space: string): Promise<void> {
    checkSpaceName(space);
    const topics = (await this.spaceTopics(space)).map((k) => partitionTopic(this.prefix, space, k));
    if (topics.length > 0)
      await this.call('delete topics', { space }, (admin) => admin.deleteTopics({ topics }));
  }

  /** Deletes every topic under this prefix, schema topic included (tests and tooling). */
  async deleteAll(): Promise<void> {
    const all = await this.call('list topics', {}, (admin) => admin.listTopics());
    const topics = all.filter((t) => t.startsWith(`${this.prefix}.`));
    if (topics.length > 0) await this.call('delete topics', {}, (admin) => admin.deleteTopics({ topics }));
  }

  /** Disconnects the admin client (idempotent). */
  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin !== undefined) await (await admin.catch(() => undefined))?.disconnect();
  }

  /**
   * Runs a create-or-check until it passes. Processes of a new space start together: while one
   * creates topics, another may see some of them, or see them before every broker knows them
   * (UNKNOWN_TOPIC_OR_PARTITION). A real mismatch persists and is thrown after the last attempt.
   */
  private settled<T>(step: () => Promise<T>): Promise<T> {
    return retry(() => step(), {
      delay: () => CREATE_RACE_DELAY_MS,
      maxAttempts: CREATE_RACE_ATTEMPTS,
      retriable: (error) => error instanceof TopicConfigError,
      exhausted: 'last',
    });
  }

  private async spaceTopics(space: string): Promise<number[]> {
    const all = await this.call('list topics', { space }, (admin) => admin.listTopics());
    return all
      .map((t) => parsePartitionTopic(this.prefix, space, t))
      .filter((k): k is number => k !== undefined)
      .sort((a, b) => a - b);
  }

  private checkPartitionCount(space: string, partitions: number, existing: readonly number[]): void {
    const missing = [];
    for (let k = 0; k < partitions; k++) if (!existing.includes(k)) missing.push(k);
    const extra = existing.filter((k) => k >= partitions);
    if (missing.length === 0 && extra.length === 0) return;
    const topic = partitionTopic(this.prefix, space, missing[0] ?? extra[0] ?? 0);
    throw new TopicConfigError(
      `space '${space}' is configured with ${partitions} partitions but Kafka has topics for partitions ` +
        `[${existing.join(', ')}]` +
        (missing.length > 0 ? `; missing ${missing.join(', ')}` : '') +
        (extra.length > 0 ? `; extra ${extra.join(', ')}` : '') +
        ' (the partition count of a space is fixed when it is created)',
      topic,
      { space },
    );
  }

  private async checkTopics(
    topics: readonly string[],
    context: { space?: string },
    holdsEntries: boolean,
  ): Promise<void> {
    const metadata = await this.call('fetch topic metadata', context, (admin) =>
      admin.fetchTopicMetadata({ topics: [...topics] }),
    );
    for (const meta of metadata.topics) {
      if (meta.partitions.length !== 1) {
        throw new TopicConfigError(
          `topic '${meta.name}' has ${meta.partitions.length} Kafka partitions; Spacelog needs exactly 1`,
          meta.name,
          context,
        );
      }
    }
    const configs = await this.call('describe topic configs', context, (admin) =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: [...CHECKED_CONFIGS],
        })),
      }),
    );
    const drifts: TopicDrift[] = [];
    for (const resource of configs.resources) {
      const actual = new Map(resource.configEntries.map((e) => [e.configName, e.configValue ?? undefined]));
      drifts.push(...checkTopicSettings(resource.resourceName, actual, this.settings, context, holdsEntries));
    }
    // Reported once per setting, not once per partition topic.
    const seen = new Set<string>();
    for (const drift of drifts) {
      if (seen.has(drift.setting)) continue;
      seen.add(drift.setting);
      this.onDrift(drift);
    }
  }

  private async create(topics: readonly string[], context: { space?: string }): Promise<void> {
    await this.call('create topics', context, (admin) =>
      admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((topic) => ({
          topic,
          numPartitions: 1,
          replicationFactor: this.replicationFactor,
          configEntries: topicConfigEntries(this.settings),
        })),
      }),
    );
  }

  private async call<T>(
    what: string,
    context: { space?: string },
    fn: (admin: Admin) => Promise<T>,
  ): Promise<T> {
    try {
      return await fn(await this.connected());
    } catch (error) {
      throw wrapKafkaError(
        error,
        what,
        context,
        (message) => new TopicConfigError(message, '', { ...context, cause: error }),
      );
    }
  }

  private connected(): Promise<Admin> {
    if (this.admin === undefined) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }
}

function warnDrift(drift: TopicDrift): void {
  process.emitWarning(
    `topic '${drift.topic}' has ${drift.setting}=${String(drift.actual)}, Spacelog sets ${drift.wanted} ` +
      `(harmless; other topics of the prefix may differ too). To align: ${drift.fix}`,
    { code: 'SPACELOG_TOPIC_DRIFT' },
  );
}
