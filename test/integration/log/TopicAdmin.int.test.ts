import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { TopicConfigError } from '../../../src/errors';
import { DEFAULT_DELETE_RETENTION_MS, TopicAdmin, type TopicDrift } from '../../../src/log';
import { deletePrefix, testKafka, uniquePrefix } from './logTestKit';

jest.setTimeout(60_000);

describe('TopicAdmin', () => {
  const kafka = testKafka();
  const prefix = uniquePrefix();
  let topics: TopicAdmin;
  let raw: Admin;

  beforeAll(async () => {
    topics = new TopicAdmin({ kafka, prefix });
    raw = kafka.admin();
    await raw.connect();
  });

  afterAll(async () => {
    await deletePrefix(kafka, prefix);
    await topics.close();
    await raw.disconnect();
  });

  it('creates one compacted single-partition topic per space partition, and accepts them again', async () => {
    const created = await topics.ensureSpace('orders', 3);
    expect(created).toEqual([`${prefix}.orders.0`, `${prefix}.orders.1`, `${prefix}.orders.2`]);
    const metadata = await raw.fetchTopicMetadata({ topics: [...created] });
    expect(metadata.topics.map((t) => t.partitions.length)).toEqual([1, 1, 1]);
    const configs = await raw.describeConfigs({
      includeSynonyms: false,
      resources: created.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['cleanup.policy', 'min.insync.replicas'],
      })),
    });
    for (const resource of configs.resources) {
      const value = (name: string): string | undefined =>
        resource.configEntries.find((e) => e.configName === name)?.configValue;
      expect(value('cleanup.policy')).toBe('compact');
      expect(value('min.insync.replicas')).toBe('1');
    }
    await expect(topics.ensureSpace('orders', 3)).resolves.toEqual(created);
    await expect(topics.describeSpace('orders')).resolves.toBe(3);
  });

  it('refuses an existing space with more or fewer partitions', async () => {
    await topics.ensureSpace('fixed', 2);
    await expect(topics.ensureSpace('fixed', 3)).rejects.toThrow(TopicConfigError);
    await expect(topics.ensureSpace('fixed', 3)).rejects.toThrow(/missing 2/);
    await expect(topics.ensureSpace('fixed', 1)).rejects.toThrow(/extra 1/);
  });

  it('refuses a space whose topic is not compacted or has several Kafka partitions', async () => {
    await raw.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: `${prefix}.deleting.0`,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'delete' }],
        },
        {
          topic: `${prefix}.wide.0`,
          numPartitions: 2,
          replicationFactor: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
    });
    const deleting = topics.ensureSpace('deleting', 1);
    await expect(deleting).rejects.toThrow(TopicConfigError);
    await expect(topics.ensureSpace('deleting', 1)).rejects.toThrow(/cleanup.policy=delete/);
    await expect(topics.ensureSpace('wide', 1)).rejects.toThrow(/2 Kafka partitions/);
  });

  it('creates topics with the compaction, retention and size settings Spacelog owns', async () => {
    const [topic] = await topics.ensureSpace('owned', 1);
    const configs = await raw.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic as string }],
    });
    const value = (name: string): string | undefined =>
      configs.resources[0]?.configEntries.find((e) => e.configName === name)?.configValue;
    expect(value('delete.retention.ms')).toBe(String(DEFAULT_DELETE_RETENTION_MS));
    expect(value('segment.ms')).toBe(String(topics.settings.segmentMs));
    expect(value('segment.bytes')).toBe(String(topics.settings.segmentBytes));
    expect(Number(value('min.cleanable.dirty.ratio'))).toBe(topics.settings.minCleanableDirtyRatio);
    expect(value('min.compaction.lag.ms')).toBe('0');
    expect(value('max.message.bytes')).toBe(String(topics.settings.maxMessageBytes));
    expect(value('unclean.leader.election.enable')).toBe('false');
  });

  it('refuses a topic whose settings would lose data, naming the setting and the command that fixes it', async () => {
    const [topic] = await topics.ensureSpace('risky', 1);
    const alter = (name: string, value: string) =>
      raw.alterConfigs({
        validateOnly: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: topic as string, configEntries: [{ name, value }] },
        ],
      });
    // alterConfigs replaces the whole override set: put Spacelog's back, then break one at a time.
    const ownedWith = async (name: string, value: string) => {
      await raw.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic as string,
            configEntries: Object.entries({
              'cleanup.policy': 'compact',
              'max.message.bytes': String(topics.settings.maxMessageBytes),
              [name]: value,
            }).map(([n, v]) => ({ name: n, value: v })),
          },
        ],
      });
    };
    await alter('cleanup.policy', 'compact,delete');
    await expect(topics.ensureSpace('risky', 1)).rejects.toThrow(
      /cleanup.policy=compact,delete.*--add-config cleanup.policy=compact/,
    );
    await ownedWith('unclean.leader.election.enable', 'true');
    await expect(topics.ensureSpace('risky', 1)).rejects.toThrow(/unclean.leader.election.enable=false/);
    await ownedWith('max.message.bytes', '2048');
    const small = await topics.ensureSpace('risky', 1).catch((e: unknown) => e);
    expect(small).toBeInstanceOf(TopicConfigError);
    expect((small as TopicConfigError).topic).toBe(topic);
    expect((small as Error).message).toMatch(
      /max.message.bytes=2048.*kafka-configs.sh .*--entity-name .*risky.0 --add-config max.message.bytes=/,
    );
    await ownedWith('segment.ms', '1000');
    const drifts: TopicDrift[] = [];
    const tolerant = new TopicAdmin({ kafka, prefix, onDrift: (d) => drifts.push(d) });
    try {
      await expect(tolerant.ensureSpace('risky', 1)).resolves.toEqual([topic]);
      expect(drifts.map((d) => d.setting)).toContain('segment.ms');
      expect(drifts.find((d) => d.setting === 'segment.ms')).toMatchObject({
        actual: '1000',
        wanted: String(tolerant.settings.segmentMs),
      });
    } finally {
      await tolerant.close();
    }
  });

  it('creates the schema topic compacted', async () => {
    await expect(topics.ensureSchemaTopic()).resolves.toBe(`${prefix}.__schemas`);
  });
});
