import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { TopicConfigError } from '../../../src/errors';
import { TopicAdmin } from '../../../src/log';
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

  it('creates the schema topic compacted', async () => {
    await expect(topics.ensureSchemaTopic()).resolves.toBe(`${prefix}.__schemas`);
  });
});
