import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Admin } from 'kafkajs';
import { Client } from 'pg';
import { isOurProcess } from '../../../docker/launcher/processes';
import { passwordFile, secureLayout } from '../../../docker/launcher/secureKafka';
import { resolveStackOptions } from '../../../docker/launcher/StackOptions';
import { StackState } from '../../../docker/launcher/StackState';
import { Spacelog } from '../../../src';
import { kafkajsAclEntries, spaceAcls } from '../../../src/log/admin/spaceAcls';
import { DEFAULT_MIRROR_SCHEMA } from '../../../src/mirror/MirrorConfig';
import { openDatabase } from '../../../src/mirror/openMirrorDatabase';
import { EntryType } from '../../../src/schema/EntryType';
import { TypeRegistry } from '../../../src/schema/TypeRegistry';
import { PrivateKafkaCluster } from '../../support/privateKafkaCluster';
import { type PostgresInstance, startPrivatePostgres } from '../../support/privatePostgres';
import {
  grantAcls,
  kafkaSecrets,
  leakedSecrets,
  listeningAddresses,
  privateKeyLines,
  secureAdmin,
} from './securedStackKit';

// A secure broker takes ~10-20 s to start, a TLS PostgreSQL ~2 s; both start together.
jest.setTimeout(180_000);

const USER = 'grid-unit';

/**
 * Issue 18 items 5 (second half), 6 and 7: a private PostgreSQL that requires TLS and a SCRAM
 * password refuses everything else; a grid on a SASL_SSL Kafka projects its mirror into it through
 * `database.ssl` and `passwordFile`; keys and passwords sit in 0600 files and every server listens on
 * 127.0.0.1 only.
 */
describe('a grid on SASL_SSL Kafka mirroring into a PostgreSQL that requires TLS', () => {
  const prefix = `sgm${randomBytes(3).toString('hex')}`;
  const space = 'devices';
  let cluster: PrivateKafkaCluster;
  let pg: PostgresInstance;
  let admin: Admin;
  let db: Knex | undefined;

  const types = new TypeRegistry([
    EntryType.fromSchema({
      type: 'record',
      name: 'Device',
      namespace: 'test.secured',
      spacelog: { id: 'id' },
      fields: [
        { name: 'id', type: 'string' },
        { name: 'model', type: 'string' },
      ],
    }),
  ]);

  beforeAll(async () => {
    const started = Date.now();
    [cluster, pg] = await Promise.all([
      PrivateKafkaCluster.start(1, { secure: true, scramUsers: [USER] }),
      startPrivatePostgres({ secure: true }),
    ]);
    process.stdout.write(`secure Kafka and TLS PostgreSQL started in ${Date.now() - started} ms\n`);
    admin = await secureAdmin(cluster);
    await grantAcls(
      admin,
      kafkajsAclEntries(
        spaceAcls({ prefix, space, principal: `User:${USER}`, mirrorPrincipal: `User:${USER}` }),
      ),
    );
  });

  afterAll(async () => {
    await db?.destroy();
    await admin?.disconnect().catch(() => undefined);
    await Promise.all([cluster?.destroy(), pg?.destroy()]);
  });

  /** The password of the private PostgreSQL (read by the test only to try it on the wrong paths). */
  const pgPassword = (): string => readFileSync(pg.security!.passwordFile, 'utf8').trim();
  const plainClient = (options: Partial<ConstructorParameters<typeof Client>[0] & object>): Client =>
    new Client({
      host: '127.0.0.1',
      port: pg.port,
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: 10_000,
      ...options,
    });
  const refusal = async (client: Client): Promise<Error & { code?: string }> => {
    try {
      await client.connect();
    } catch (error) {
      return error as Error & { code?: string };
    } finally {
      await client.end().catch(() => undefined);
    }
    throw new Error('the connection was accepted');
  };

  it('refuses a connection without TLS, a wrong password, and a client that does not trust its certificate', async () => {
    const password = pgPassword();
    // pg_hba.conf: `hostnossl ... reject`, even with the right password.
    const noTls = await refusal(plainClient({ password, ssl: false }));
    expect(noTls.code).toBe('28000');
    expect(noTls.message).toMatch(/no encryption/);

    const wrong = await refusal(
      plainClient({ password: 'not-the-password', ssl: { ca: readFileSync(pg.security!.certFile, 'utf8') } }),
    );
    expect(wrong.code).toBe('28P01'); // invalid_password: SCRAM refused it

    // Node's CA store, or another CA (the Kafka stack's): the self-signed server certificate is not trusted.
    const untrusted = await refusal(
      plainClient({ password, ssl: { ca: readFileSync(secureLayout(cluster.stateDir).caFile, 'utf8') } }),
    );
    expect(untrusted.message).toMatch(/self[- ]signed|unable to verify|certificate/i);

    for (const error of [noTls, wrong, untrusted]) {
      expect(leakedSecrets(`${error.message} ${error.stack ?? ''}`, { password })).toEqual([]);
    }
  });

  it('lets a client in with TLS and the password file, and the session is encrypted', async () => {
    db = openDatabase(pg.databaseOptions(), { max: 2 });
    const row = (await db.raw('select ssl, version from pg_stat_ssl where pid = pg_backend_pid()')) as {
      rows: { ssl: boolean; version: string }[];
    };
    expect(row.rows[0]).toMatchObject({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) });
  });

  it('runs a grid whose mirror projects into the TLS PostgreSQL, with no secret in its output', async () => {
    const layout = secureLayout(cluster.stateDir);
    const secrets: Record<string, string> = {
      pgPassword: pgPassword(),
      ...Object.fromEntries(kafkaSecrets(cluster, [USER]).map((secret, i) => [`kafka${i}`, secret])),
    };
    const output: string[] = [];
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name} ${warning.message}`);
    process.on('warning', onWarning);
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      output.push(String(chunk));
      return true;
    });
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      output.push(String(chunk));
      return true;
    });
    const mirrorErrors: unknown[] = [];
    try {
      const grid = await Spacelog.start({
        space,
        partitions: 2,
        schemas: types,
        prefix,
        kafka: {
          brokers: cluster.brokers,
          ssl: { ca: layout.caFile },
          sasl: { mechanism: 'scram-sha-512', username: USER, passwordFile: passwordFile(layout, USER) },
        },
        mirror: {
          database: pg.databaseOptions(),
          createTables: true,
          onError: (error) => mirrorErrors.push(error),
        },
      });
      try {
        await grid.mirrorStarted();
        let last;
        for (let i = 0; i < 12; i++) last = await grid.space.write('Device', { id: `d${i}`, model: `M${i}` });
        expect(await grid.space.read('Device', { id: 'd5' })).toEqual({ id: 'd5', model: 'M5' });
        const taken = await grid.space.take('Device', { id: 'd0' });
        expect(taken).toEqual({ id: 'd0', model: 'M0' });
        const lastPosition = (await grid.space.write('Device', { id: 'd1', model: 'M1-bis' })).position;
        await grid.mirror!.waitFor(lastPosition ?? last!.position!, 30_000);

        db ??= openDatabase(pg.databaseOptions(), { max: 2 });
        const rows = (await db
          .withSchema(DEFAULT_MIRROR_SCHEMA)
          .table('devices_device')
          .select('id', 'model')) as {
          id: string;
          model: string;
        }[];
        expect(rows.map((r) => r.id).sort()).toEqual(
          Array.from({ length: 11 }, (_, i) => `d${i + 1}`).sort(),
        );
        expect(rows.find((r) => r.id === 'd1')?.model).toBe('M1-bis');
        // Every session the grid opened went through TLS (pg_hba.conf leaves it no other way).
        const sessions = (await db.raw(
          "select count(*)::int as n, bool_and(s.ssl) as tls from pg_stat_ssl s join pg_stat_activity a using (pid) where a.backend_type = 'client backend'",
        )) as { rows: { n: number; tls: boolean }[] };
        expect(sessions.rows[0]).toMatchObject({ tls: true });
        expect(sessions.rows[0]!.n).toBeGreaterThan(1);
      } finally {
        await grid.close();
      }
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      process.off('warning', onWarning);
    }
    expect(mirrorErrors).toEqual([]);
    const printed = [...output, ...warnings].join('\n');
    expect(leakedSecrets(printed, secrets)).toEqual([]);
    for (const line of privateKeyLines(layout.brokerKeyFile)) expect(printed).not.toContain(line);
  });

  it('keeps its key and password in 0600 files of a 0700 folder, with no secret in its argument lists', () => {
    const security = pg.security!;
    expect(statSync(pg.dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(security.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(security.passwordFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(pg.dataDir, 'pg_hba.conf'), 'utf8')).not.toMatch(/^\s*host\s|trust/m);
    const password = pgPassword();
    const postmaster = Number(readFileSync(path.join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const cmdline = readFileSync(`/proc/${postmaster}/cmdline`, 'utf8');
    expect(cmdline).toContain(pg.dataDir);
    expect(leakedSecrets(cmdline, { password })).toEqual([]);
  });

  it('listens on 127.0.0.1 only: the broker (client and controller listeners) and PostgreSQL', () => {
    const state = JSON.parse(readFileSync(path.join(cluster.stateDir, 'state.json'), 'utf8')) as {
      kafka: { brokers: { pid: number; configFile: string }[] };
    };
    for (const broker of state.kafka.brokers) {
      const properties = readFileSync(broker.configFile, 'utf8');
      const listeners = /^listeners=(.*)$/m.exec(properties)?.[1] ?? '';
      const hosts = listeners.split(',').map((listener) => /^\w+:\/\/(.*):\d+$/.exec(listener)?.[1]);
      expect(hosts).toEqual(['127.0.0.1', '127.0.0.1']);
      const bound = listeningAddresses(broker.pid);
      // Client and controller listeners at least (a JMX or other port would show here too).
      expect(bound.length).toBeGreaterThanOrEqual(2);
      for (const address of bound) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    const postmaster = Number(readFileSync(path.join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(listeningAddresses(postmaster)).toEqual([`127.0.0.1:${pg.port}`]);
  });

  it('the development stack the launcher runs (the plain broker on 9092) listens on 127.0.0.1 only', () => {
    // The tests' shared stack, when the launcher started it on this machine (not testcontainers):
    // read-only, from its state file; its server.properties rendering is unit-tested.
    const brokers = new StackState(resolveStackOptions().stateDir).read().kafka?.brokers ?? [];
    const running = brokers.filter((broker) => isOurProcess(broker.pid, broker.configFile));
    if (running.length === 0) {
      process.stdout.write('no launcher-run development stack on this machine: not checked\n');
      return;
    }
    for (const broker of running) {
      const bound = listeningAddresses(broker.pid);
      expect(bound).toContain(`127.0.0.1:${broker.port}`);
      for (const address of bound) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    }
  });
});
