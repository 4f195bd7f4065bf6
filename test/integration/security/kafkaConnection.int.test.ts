import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { passwordFile, secureLayout } from '../../../docker/launcher/secureKafka';
import type { GridOptions } from '../../../src/cluster/GridConfig';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { KAFKA_ENVIRONMENT } from '../../../src/log/connection/kafkaEnvironment';
import { kafkajsAclEntries, spaceAcls } from '../../../src/log/admin/spaceAcls';
import { WorkerTopicScanner } from '../../../src/log/read/WorkerTopicScanner';
import { EntryType } from '../../../src/schema/EntryType';
import { TypeRegistry } from '../../../src/schema/TypeRegistry';
import { mirrorTestBedForSuite } from '../mirror/mirrorTestKit';
import { PrivateKafkaCluster } from '../../support/privateKafkaCluster';
import { grantAcls } from './securedStackKit';

// A secure broker takes ~10-20 s to start (certificates, SCRAM users at format time, TLS).
jest.setTimeout(180_000);

const USER = 'grid-user';

/**
 * Issue 18 item 2 on a SASL_SSL broker (SCRAM-SHA-512 over TLS, StandardAuthorizer): a grid configured
 * by the SPACELOG_KAFKA_* environment alone writes, runs its embedded mirror, and warms up again with
 * the fetching worker thread, which connects with the same settings; a wrong password is refused
 * without appearing in the error.
 */
describe('Kafka client factory on a SASL_SSL broker, configured by environment', () => {
  const prefix = `conn${randomBytes(3).toString('hex')}`;
  const space = 'devices';
  const bed = mirrorTestBedForSuite('secure-conn');
  const saved = new Map<string, string | undefined>();
  let cluster: PrivateKafkaCluster;
  let admin: Admin;

  const types = new TypeRegistry([
    EntryType.fromSchema({
      type: 'record',
      name: 'Device',
      namespace: 'test.connection',
      spacelog: { id: 'id' },
      fields: [
        { name: 'id', type: 'string' },
        { name: 'model', type: 'string' },
      ],
    }),
  ]);
  const gridOptions = (extra: Partial<GridOptions> = {}): GridOptions => ({
    space,
    partitions: 2,
    schemas: types,
    prefix,
    ...extra,
  });
  const setEnv = (values: Record<string, string>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (!saved.has(name)) saved.set(name, process.env[name]);
      process.env[name] = value;
    }
  };

  beforeAll(async () => {
    cluster = await PrivateKafkaCluster.start(1, { secure: true, scramUsers: [USER] });
    admin = new Kafka({
      clientId: 'conn-test-admin',
      brokers: cluster.brokers,
      logLevel: logLevel.NOTHING,
      ...cluster.kafkaSecurity('admin'),
    }).admin();
    await admin.connect();
    // StandardAuthorizer applies new ACLs once the metadata log carries them: waited for, every one.
    await grantAcls(
      admin,
      kafkajsAclEntries(
        spaceAcls({ prefix, space, principal: `User:${USER}`, mirrorPrincipal: `User:${USER}` }),
      ),
    );
    const layout = secureLayout(cluster.stateDir);
    setEnv({
      SPACELOG_KAFKA_BROKERS: cluster.brokers.join(','),
      SPACELOG_KAFKA_SSL_CA_FILE: layout.caFile,
      SPACELOG_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      SPACELOG_KAFKA_SASL_USERNAME: USER,
      SPACELOG_KAFKA_SASL_PASSWORD_FILE: passwordFile(layout, USER),
    });
  });

  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await admin?.disconnect().catch(() => undefined);
    await cluster?.destroy();
  });

  it('runs a grid and its mirror, then warms it up in a worker thread over SASL_SSL', async () => {
    // The worker script comes from dist (npx tsc -p tsconfig.json): without it the worker path would not run.
    expect(WorkerTopicScanner.script()).toBeDefined();
    const first = await LocalGrid.start(
      gridOptions({ mirror: { ...bed.gridMirror({ createTables: true }) } }),
    );
    try {
      await first.mirrorStarted();
      const written = [];
      for (let i = 0; i < 20; i++)
        written.push(await first.space.write('Device', { id: `d${i}`, model: `M${i}` }));
      // Two partitions: the last write's position says nothing of the other partition's.
      await Promise.all(written.map((w) => first.mirror!.waitFor(w.position!, 30_000)));
      const rows = (await bed.db.knex
        .withSchema(bed.db.schema)
        .table('devices_device')
        .count({ n: '*' })) as {
        n: string;
      }[];
      expect(Number(rows[0]?.n)).toBe(20);
    } finally {
      await first.close();
    }
    const progress: number[] = [];
    const second = await LocalGrid.start(
      gridOptions({ warmUpInWorker: true, onProgress: (partition) => progress.push(partition) }),
    );
    try {
      expect(await second.space.read('Device', { id: 'd7' })).toEqual({ id: 'd7', model: 'M7' });
      expect(await second.space.count('Device')).toBe(20);
      expect(progress.length).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  });

  it('refuses a wrong password without printing it', async () => {
    const wrong = path.join(cluster.stateDir, 'wrong.password');
    const secret = `not-the-password-${randomBytes(4).toString('hex')}`;
    writeFileSync(wrong, secret, { mode: 0o600 });
    const error = await LocalGrid.start(
      gridOptions({
        kafka: { sasl: { mechanism: 'scram-sha-512', username: USER, passwordFile: wrong } },
      }),
    ).then(
      (grid) => grid.close().then(() => undefined),
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(Error);
    const text = `${String(error)} ${(error as Error).stack ?? ''} ${JSON.stringify(error)}`;
    expect(text).toMatch(/SASL|authentication/i);
    expect(text).not.toContain(secret);
  });

  it('documents every variable it reads', () => {
    expect(Object.keys(KAFKA_ENVIRONMENT)).toEqual(
      expect.arrayContaining([...saved.keys()].filter((name) => name.startsWith('SPACELOG_KAFKA_'))),
    );
  });
});
