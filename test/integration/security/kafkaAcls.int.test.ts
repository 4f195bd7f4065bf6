import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type AclEntry,
  type Admin,
  type Consumer,
  type logCreator,
  type KafkaConfig,
} from 'kafkajs';
import { passwordFile, secureLayout } from '../../../docker/launcher/secureKafka';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { EntryType } from '../../../src/schema/EntryType';
import { TypeRegistry } from '../../../src/schema/TypeRegistry';
import { LogReader, MutationCodec, PartitionAppender, TopicAdmin } from '../../../src/log';
import { kafkajsAclEntries, spaceAcls } from '../../../src/log/admin/spaceAcls';
import {
  partitionTopic,
  transactionalIdOf,
  unitsGroupId,
  unitsTopicName,
} from '../../../src/log/admin/topicNames';
import { notifyGroupId, notifyTransactionalId } from '../../../src/log/admin/topicNames';
import { PrivateKafkaCluster } from '../../support/privateKafkaCluster';
import { orderMutation, orderType } from '../log/logTestKit';

// Starting a secure broker takes ~10-20 s (certificates, format with SCRAM users, TLS start-up).
jest.setTimeout(180_000);

/** The space's own principal (its units and grids) and an outsider with no ACLs on the space. */
const UNIT = 'unit-a';
const OUTSIDER = 'outsider-b';
const OUTSIDER_GROUP = 'outsider-b-own-group';
/** A principal granted nothing at all. */
const STRANGER = 'stranger-c';

/**
 * Issue 18 item 4: with StandardAuthorizer and `allow.everyone.if.no.acl.found=false`, the ACLs of
 * `spaceAcls` let the space's principal run the space's Kafka work (topics, partition writers,
 * units group, notify positions, log reads), and a second principal without them cannot fence a
 * primary, join the units' group, or read or write the partition topics.
 */
describe('Kafka ACLs of a space on the secured stack (SASL_SSL, SCRAM-SHA-512)', () => {
  const prefix = `sec${randomBytes(3).toString('hex')}`;
  const space = 'orders';
  const codec = new MutationCodec({ types: [orderType()] });
  let cluster: PrivateKafkaCluster;
  let admin: Admin;
  const closers: (() => Promise<unknown>)[] = [];

  function client(username: string, extra: Partial<KafkaConfig> = {}): Kafka {
    return new Kafka({
      clientId: `acl-test-${username}`,
      brokers: cluster.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      ...cluster.kafkaSecurity(username),
      ...extra,
    });
  }

  beforeAll(async () => {
    const started = Date.now();
    cluster = await PrivateKafkaCluster.start(1, { secure: true, scramUsers: [UNIT, OUTSIDER, STRANGER] });
    process.stdout.write(`secure broker started in ${Date.now() - started} ms\n`);
    admin = client('admin').admin();
    await admin.connect();
    await admin.createAcls({
      acl: kafkajsAclEntries(spaceAcls({ prefix, space, principal: `User:${UNIT}` })),
    });
    // The outsider may describe the space's transactional ids and units group (as a monitoring user
    // might), read the units topic and use a group of its own: so each refusal below comes from the
    // operation under test (InitProducerId, JoinGroup, Produce, Fetch), not from an earlier lookup.
    const outsider = (
      resourceType: AclResourceTypes,
      resourceName: string,
      resourcePatternType: ResourcePatternTypes,
      operation: AclOperationTypes,
    ): AclEntry => ({
      resourceType,
      resourceName,
      resourcePatternType,
      principal: `User:${OUTSIDER}`,
      host: '*',
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    });
    const { TOPIC, GROUP, TRANSACTIONAL_ID } = AclResourceTypes;
    const { LITERAL, PREFIXED } = ResourcePatternTypes;
    await admin.createAcls({
      acl: [
        outsider(TOPIC, unitsTopicName(prefix, space), LITERAL, AclOperationTypes.READ),
        outsider(TOPIC, unitsTopicName(prefix, space), LITERAL, AclOperationTypes.DESCRIBE),
        outsider(GROUP, unitsGroupId(prefix, space), LITERAL, AclOperationTypes.DESCRIBE),
        outsider(TRANSACTIONAL_ID, `spacelog.${prefix}.${space}.`, PREFIXED, AclOperationTypes.DESCRIBE),
        outsider(GROUP, OUTSIDER_GROUP, LITERAL, AclOperationTypes.READ),
      ],
    });
    // StandardAuthorizer applies new ACLs once the metadata log carries them: wait until it does.
    await waitFor(async () => (await admin.describeAcls(anyAclOf(`User:${UNIT}`))).resources.length > 0);
    // The space, created by its own principal (Create on its topics is one of its ACLs).
    const topics = new TopicAdmin({
      kafka: client(UNIT, { retry: { retries: 5, initialRetryTime: 100 } }),
      prefix,
    });
    try {
      await topics.ensureSpace(space, 2);
      await topics.ensureSchemaTopic();
      await topics.ensureUnitsTopic(space);
    } finally {
      await topics.close();
    }
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await cluster?.destroy();
  });

  it('keeps keys and passwords in 0600 files of a 0700 folder', () => {
    const layout = secureLayout(cluster.stateDir);
    expect(statSync(cluster.stateDir).mode & 0o777).toBe(0o700);
    for (const file of [
      layout.caKeyFile,
      layout.brokerKeyFile,
      layout.keystoreFile,
      layout.brokerSecretsFile,
    ]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(statSync(`${layout.credentialsDir}/${UNIT}.json`).mode & 0o777).toBe(0o600);
  });

  it('puts no secret in a process argument list or in the state file', () => {
    const layout = secureLayout(cluster.stateDir);
    const secrets = [
      ...Object.values(JSON.parse(readFileSync(layout.brokerSecretsFile, 'utf8')) as Record<string, string>),
      ...[UNIT, OUTSIDER, STRANGER].map((user) => readFileSync(passwordFile(layout, user), 'utf8').trim()),
    ];
    expect(secrets.every((secret) => secret.length >= 32)).toBe(true);
    const state = readFileSync(`${cluster.stateDir}/state.json`, 'utf8');
    const pids = (JSON.parse(state) as { kafka: { brokers: { pid: number }[] } }).kafka.brokers.map(
      (b) => b.pid,
    );
    const cmdlines = pids.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    expect(cmdlines.join('')).toContain('kafka.Kafka');
    for (const secret of secrets) {
      expect(state).not.toContain(secret);
      for (const cmdline of cmdlines) expect(cmdline).not.toContain(secret);
    }
  });

  it('refuses a wrong password', async () => {
    const wrong = new Kafka({
      clientId: 'acl-test-wrong',
      brokers: cluster.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      ssl: cluster.kafkaSecurity(UNIT).ssl,
      sasl: { mechanism: 'scram-sha-512', username: UNIT, password: 'not-the-password' },
    }).admin();
    await expect(wrong.connect()).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
  });

  it("lets the space's principal create the space, write as a partition's primary, read back, join the units' group and store notify positions", async () => {
    const kafka = client(UNIT, { retry: { retries: 5, initialRetryTime: 100 } });
    // Checks the space's topics (describe, configs) as a grid does at every start.
    const topics = new TopicAdmin({ kafka, prefix });
    closers.push(() => topics.close());
    expect(await topics.ensureSpace(space, 2)).toEqual([
      partitionTopic(prefix, space, 0),
      partitionTopic(prefix, space, 1),
    ]);

    // The partition's primary: a transactional writer on `spacelog.<prefix>.<space>.0`.
    const appender = new PartitionAppender({ kafka, prefix, space, partition: 0, codec });
    closers.push(() => appender.close());
    await appender.start();
    await appender.append([orderMutation('o1', 1, 3), orderMutation('o2', 1, 5)]);

    // Read back through a LogReader (its consumer group is `spacelog-scan-<topic>-<uuid>`).
    const read: string[] = [];
    await new LogReader({
      kafka,
      prefix,
      space,
      partition: 0,
      codec,
      onMutation: (m) => read.push(m.id),
    }).readToEnd();
    expect(read).toEqual(['o1', 'o2']);

    // A member of the units' consumer group.
    const member = kafka.consumer({ groupId: unitsGroupId(prefix, space), allowAutoTopicCreation: false });
    closers.push(() => member.disconnect());
    const joined = new Promise<void>((resolve) => member.on(member.events.GROUP_JOIN, () => resolve()));
    await member.connect();
    await member.subscribe({ topic: unitsTopicName(prefix, space) });
    await member.run({ eachMessage: async () => undefined });
    await joined;

    // A notify container's position store: TxnOffsetCommit under its own transactional id.
    const positions = kafka.producer({
      transactionalId: notifyTransactionalId(prefix, space, 'totals', 0),
      maxInFlightRequests: 1,
      idempotent: true,
    });
    closers.push(() => positions.disconnect());
    await positions.connect();
    const transaction = await positions.transaction();
    await transaction.sendOffsets({
      consumerGroupId: notifyGroupId(prefix, space, 'totals'),
      topics: [{ topic: partitionTopic(prefix, space, 0), partitions: [{ partition: 0, offset: '2' }] }],
    });
    await transaction.commit();
  });

  it("runs a grid as the space's principal through the grid's kafka.ssl and kafka.sasl options, and warms it up again from the log", async () => {
    const gridSpace = 'devices';
    await admin.createAcls({
      acl: kafkajsAclEntries(spaceAcls({ prefix, space: gridSpace, principal: `User:${UNIT}` })),
    });
    const layout = secureLayout(cluster.stateDir);
    const kafka = {
      brokers: cluster.brokers,
      ssl: { ca: layout.caFile },
      sasl: { mechanism: 'scram-sha-512' as const, username: UNIT, passwordFile: passwordFile(layout, UNIT) },
    };
    const types = new TypeRegistry([
      EntryType.fromSchema({
        type: 'record',
        name: 'Device',
        namespace: 'test.security',
        spacelog: { id: 'id' },
        fields: [
          { name: 'id', type: 'string' },
          { name: 'model', type: 'string' },
        ],
      }),
    ]);
    const first = await LocalGrid.start({ space: gridSpace, partitions: 2, schemas: types, prefix, kafka });
    try {
      await first.space.write('Device', { id: 'd1', model: 'X1' });
      await first.space.write('Device', { id: 'd2', model: 'X2' });
    } finally {
      await first.close();
    }
    const second = await LocalGrid.start({ space: gridSpace, partitions: 2, schemas: types, prefix, kafka });
    try {
      expect(await second.space.read('Device', { id: 'd2' })).toEqual({ id: 'd2', model: 'X2' });
      expect(await second.space.read('Device', { id: 'd1' })).toEqual({ id: 'd1', model: 'X1' });
    } finally {
      await second.close();
    }
  });

  it('refuses an outsider the InitProducerId that would fence the primary, which keeps writing', async () => {
    const primary = new PartitionAppender({ kafka: client(UNIT), prefix, space, partition: 1, codec });
    closers.push(() => primary.close());
    await primary.start();

    // Not idempotent: kafkajs would first ask for a plain producer id, refused with CLUSTER_AUTHORIZATION_FAILED.
    const intruder = client(OUTSIDER).producer({ transactionalId: transactionalIdOf(prefix, space, 1) });
    closers.push(() => intruder.disconnect());
    await intruder.connect();
    const refused = await errorOf(intruder.transaction());
    expect(kafkaErrorTypes(refused)).toEqual(['TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

    // Not fenced: the primary's next transaction commits.
    const [written] = await primary.appendWithPositions([orderMutation('p1', 1, 1)]);
    expect(written?.offset).toBe(0);
  });

  it("refuses an outsider a place in the units' consumer group", async () => {
    const consumer = client(OUTSIDER).consumer({
      groupId: unitsGroupId(prefix, space),
      allowAutoTopicCreation: false,
      retry: { retries: 0, restartOnFailure: async () => false },
    });
    closers.push(() => consumer.disconnect());
    const refused = await consumerFailure(consumer, unitsTopicName(prefix, space));
    expect(kafkaErrorTypes(refused)).toContain('GROUP_AUTHORIZATION_FAILED');
  });

  it("refuses a principal granted nothing even the coordinator of the primary's transactional id and of the units' group", async () => {
    // kafkajs reports a refused FindCoordinator as "coordinator not found"; the broker's answer is in its log.
    const answers: string[] = [];
    const capture: logCreator =
      () =>
      ({ log }) => {
        const type = (log as { error?: { type?: unknown } }).error?.type;
        if (typeof type === 'string') answers.push(type);
      };
    const stranger = client(STRANGER, { logLevel: logLevel.DEBUG, logCreator: capture });

    const intruder = stranger.producer({ transactionalId: transactionalIdOf(prefix, space, 0) });
    closers.push(() => intruder.disconnect());
    await intruder.connect();
    const fenceRefused = await errorOf(intruder.transaction());
    expect(fenceRefused).toMatchObject({ name: 'KafkaJSGroupCoordinatorNotFound' });
    expect(answers).toContain('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');

    const consumer = stranger.consumer({
      groupId: unitsGroupId(prefix, space),
      allowAutoTopicCreation: false,
      retry: { retries: 0, restartOnFailure: async () => false },
    });
    closers.push(() => consumer.disconnect());
    // Not even the units topic's metadata: Describe on it is not granted.
    const joinRefused = await consumerFailure(consumer, unitsTopicName(prefix, space));
    expect(kafkaErrorTypes(joinRefused)).toContain('TOPIC_AUTHORIZATION_FAILED');
  });

  it('refuses an outsider reads and writes of the partition topics', async () => {
    const topic = partitionTopic(prefix, space, 0);
    const producer = client(OUTSIDER).producer({ allowAutoTopicCreation: false });
    closers.push(() => producer.disconnect());
    await producer.connect();
    const writeRefused = await errorOf(producer.send({ topic, messages: [{ key: 'x', value: 'forged' }] }));
    expect(kafkaErrorTypes(writeRefused)).toContain('TOPIC_AUTHORIZATION_FAILED');

    const reader = client(OUTSIDER).consumer({
      groupId: OUTSIDER_GROUP,
      allowAutoTopicCreation: false,
      retry: { retries: 0, restartOnFailure: async () => false },
    });
    closers.push(() => reader.disconnect());
    const readRefused = await consumerFailure(reader, topic);
    expect(kafkaErrorTypes(readRefused)).toContain('TOPIC_AUTHORIZATION_FAILED');

    // Nothing forged reached the log.
    const read: string[] = [];
    await new LogReader({
      kafka: client(UNIT),
      prefix,
      space,
      partition: 0,
      codec,
      onMutation: (m) => read.push(m.id),
    }).readToEnd();
    expect(read).toEqual(['o1', 'o2']);
  });
});

/** Resolves with the rejection of `promise`; fails the test if it resolves. */
async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal, the call succeeded');
}

/** The first failure of a consumer that subscribes to `topic` and runs: a rejection or a crash. */
async function consumerFailure(consumer: Consumer, topic: string): Promise<unknown> {
  const crashed = new Promise<unknown>((resolve) =>
    consumer.on(consumer.events.CRASH, ({ payload }) => resolve(payload.error)),
  );
  const started = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    return new Promise<unknown>(() => undefined); // running: only a crash settles it
  })();
  return Promise.race([
    crashed,
    started.then(
      (never) => never,
      (error: unknown) => error,
    ),
  ]);
}

/** The kafkajs protocol error types along an error's cause chain. */
function kafkaErrorTypes(error: unknown): string[] {
  const types: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth += 1) {
    const { type, cause, originalError } = current as {
      type?: unknown;
      cause?: unknown;
      originalError?: unknown;
    };
    if (typeof type === 'string') types.push(type);
    current = cause ?? originalError;
  }
  return types;
}

function anyAclOf(principal: string): Parameters<Admin['describeAcls']>[0] {
  return {
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    principal,
    host: '*',
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
