/**
 * Proof that the test stack is real: a KRaft broker with compaction, idempotence, transactions and
 * fencing (kafkajs 2.2.4), and a PostgreSQL that knex can migrate and query.
 */
import { ConfigResourceTypes } from 'kafkajs';
import type { Knex } from 'knex';
import { openTestDatabase, TestDatabase, TestKafka } from '../support';

jest.setTimeout(90_000);

describe('local Kafka', () => {
  let kafka: TestKafka;

  beforeEach(() => {
    kafka = new TestKafka('stack');
  });

  afterEach(async () => {
    await kafka.close();
  });

  it('creates a compacted topic', async () => {
    const topic = await kafka.createTopic('compacted', { configs: { 'cleanup.policy': 'compact' } });
    const admin = await kafka.admin();
    const described = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }],
      includeSynonyms: false,
    });
    const entries = described.resources[0]?.configEntries ?? [];
    expect(entries.find((entry) => entry.configName === 'cleanup.policy')?.configValue).toBe('compact');
  });

  it('reads back what an idempotent producer wrote, in order', async () => {
    const topic = await kafka.createTopic('idempotent');
    const producer = await kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'order/1', value: 'one' },
        { key: 'order/2', value: 'two' },
        { key: 'order/1', value: 'three' },
      ],
    });
    const read = await kafka.readMessages(topic, 3);
    expect(read.map((m) => [m.offset, m.key, m.value])).toEqual([
      ['0', 'order/1', 'one'],
      ['1', 'order/2', 'two'],
      ['2', 'order/1', 'three'],
    ]);
  });

  it('shows read_committed consumers only committed transactions', async () => {
    const topic = await kafka.createTopic('transactions');
    const producer = await kafka.producer({
      transactionalId: kafka.name('txn'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'A1' }, { value: 'A2' }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'B1' }, { value: 'B2' }] });
    await aborted.abort();
    // A committed marker written last: reading up to it proves B1 and B2 were skipped, without waiting.
    const marker = await producer.transaction();
    await marker.send({ topic, messages: [{ value: 'END' }] });
    await marker.commit();

    const untilEnd = (messages: readonly { value: string | null }[]): boolean =>
      messages.some((m) => m.value === 'END');
    const readCommitted = await kafka.readUntil(topic, untilEnd, { isolation: 'read_committed' });
    const readUncommitted = await kafka.readUntil(topic, untilEnd, { isolation: 'read_uncommitted' });
    expect(readCommitted.map((m) => m.value)).toEqual(['A1', 'A2', 'END']);
    // The aborted batch is really in the log: the isolation level is what hides it.
    expect(readUncommitted.map((m) => m.value)).toEqual(['A1', 'A2', 'B1', 'B2', 'END']);
  });

  it('fences a producer when a second one takes its transactional id', async () => {
    const topic = await kafka.createTopic('fencing');
    const transactionalId = kafka.name('partition-0');
    const config = { transactionalId, idempotent: true, maxInFlightRequests: 1 };
    const zombie = await kafka.producer(config);
    const zombieTxn = await zombie.transaction();
    await zombieTxn.send({ topic, messages: [{ value: 'from the zombie' }] });

    // kafkajs sends InitProducerId for the transactional id on the first transaction(), not on connect():
    // that bumps the epoch, fencing the zombie and aborting its open transaction.
    const successor = await kafka.producer(config);
    const successorTxn = await successor.transaction();
    await expect(zombieTxn.commit()).rejects.toMatchObject({
      name: 'KafkaJSProtocolError',
      type: 'INVALID_PRODUCER_EPOCH',
    });

    await successorTxn.send({ topic, messages: [{ value: 'from the successor' }] });
    await successorTxn.commit();
    const read = await kafka.readMessages(topic, 1, { isolation: 'read_committed' });
    expect(read.map((m) => m.value)).toEqual(['from the successor']);
  });
});

describe('local PostgreSQL', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await openTestDatabase('stack');
  });

  afterEach(async () => {
    await db.close();
  });

  it('runs a knex migration and a query in the test schema', async () => {
    const migration: Knex.Migration = {
      up: (knex) =>
        knex.schema.createTable('widgets', (table) => {
          table.string('id').primary();
          table.integer('version').notNullable();
        }),
      down: (knex) => knex.schema.dropTable('widgets'),
    };
    await db.knex.migrate.latest({
      schemaName: db.schema,
      migrationSource: {
        getMigrations: () => Promise.resolve(['0001_widgets']),
        getMigrationName: (name: string) => name,
        getMigration: () => Promise.resolve(migration),
      },
    });
    await db.knex('widgets').insert([
      { id: 'w1', version: 1 },
      { id: 'w2', version: 3 },
    ]);

    const rows = await db.knex('widgets').where('version', '>', 1).select('id', 'version');
    expect(rows).toEqual([{ id: 'w2', version: 3 }]);
    const tables = await db
      .knex('information_schema.tables')
      .where({ table_schema: db.schema })
      .pluck('table_name');
    expect(tables.sort()).toEqual(['knex_migrations', 'knex_migrations_lock', 'widgets']);
  });
});
