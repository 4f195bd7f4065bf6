import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import { credentialsFile, passwordFile, secureLayout } from '../../../docker/launcher/secureKafka';
import { describePlacement } from '../../../src/cluster/UnitMembership';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import type { ConnectOptions } from '../../../src/client/RemoteSpaceConfig';
import { AuthenticationError, AuthorizationError } from '../../../src/errors';
import { kafkajsAclEntries, spaceAcls } from '../../../src/log/admin/spaceAcls';
import { unitsGroupId } from '../../../src/log/admin/topicNames';
import { addUser, type CredentialsFileContent } from '../../../src/net/security/Credentials';
import { EXAMPLE_SCHEMAS, exampleOrder } from '../../support';
import { UnitProcess } from '../../support/clusterTestKit';
import { PrivateKafkaCluster } from '../../support/privateKafkaCluster';
import { makeTestCertificates, type TestCertificates } from '../../support/testCertificates';
import {
  brokerPids,
  commandLineOf,
  kafkaSecrets,
  leakedSecrets,
  privateKeyLines,
  secureAdmin,
  waitForAcls,
} from './securedStackKit';

// A secure broker takes ~10-20 s to start, three units ~10 s, one failover ~6-10 s (session timeout).
jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'bin/spacelog.js');
const SPACE = 'orders';
const PARTITIONS = 4;
/** The units' Kafka principal (SCRAM) and wire principal (password), and the clients' wire principals. */
const KAFKA_USER = 'orders-unit';
const UNIT_NAMES = ['a', 'b', 'c'] as const;

/** What a finished CLI command printed. */
interface CommandOutput {
  readonly code: number | null;
  readonly output: string;
}

function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Issue 18 item 6: three processing units (`spacelog pu start` children configured by a file: Kafka
 * over SASL_SSL with SCRAM, the wire protocol with TLS, passwords and permissions) serve an
 * authenticated RemoteSpace and keep serving it after one is killed; unauthenticated, wrongly
 * authenticated and under-privileged clients get typed errors and nothing; no password or private
 * key shows in any output or process argument list. What an outside Kafka principal cannot do
 * (fence, join the units' group, read topics) is kafkaAcls.int.test.ts's.
 */
describe('a three-unit cluster on the secured stack', () => {
  const prefix = `scl${randomBytes(3).toString('hex')}`;
  const wire = {
    alice: `alice-${randomBytes(12).toString('hex')}`,
    reader: `reader-${randomBytes(12).toString('hex')}`,
    unit: `unit-${randomBytes(12).toString('hex')}`,
  };
  const units = new Map<string, UnitProcess>();
  const unitCommandLines: string[] = [];
  const cliOutputs: string[] = [];
  const clients: RemoteSpace[] = [];
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => void warnings.push(`${warning.name} ${warning.message}`);
  let cluster: PrivateKafkaCluster;
  let certs: TestCertificates;
  let admin: Admin;
  let configFile: string;

  const connect = async (options: Partial<ConnectOptions>): Promise<RemoteSpace> => {
    const client = await RemoteSpace.connect({
      bootstrap: [...units.values()].map((unit) => unit.endpoint),
      space: SPACE,
      requestTimeout: 15_000,
      ...options,
    });
    clients.push(client);
    return client;
  };
  const asAlice = (): Promise<RemoteSpace> =>
    connect({ tls: { ca: certs.caCert }, credentials: { username: 'alice', password: wire.alice } });

  async function startUnit(name: string): Promise<UnitProcess> {
    const child = spawn(
      process.execPath,
      [CLI, 'pu', 'start', '--config', configFile, '--port', '0', '--unit', name],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const unit = new UnitProcess(name, child);
    units.set(name, unit);
    const line = await unit.waitForLine((l) => l.startsWith(`unit ${name} serving `), 90_000);
    unit.endpoint = /serving (\S+)/.exec(line)![1]!;
    unitCommandLines.push(commandLineOf(unit.pid));
    return unit;
  }

  /** Waits until the units' group places every primary on one of `names`, and no other unit. */
  async function placedOn(names: readonly string[], timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const placement = await describePlacement(admin, unitsGroupId(prefix, SPACE)).catch(() => undefined);
      if (
        placement !== undefined &&
        placement.partitions.every((p) => p.primary !== null && names.includes(p.primary)) &&
        Object.keys(placement.endpoints).every((unit) => names.includes(unit))
      ) {
        return;
      }
      if (Date.now() > deadline)
        throw new Error(`not placed on ${names.join(', ')}: ${JSON.stringify(placement)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  beforeAll(async () => {
    process.on('warning', onWarning);
    const started = Date.now();
    certs = makeTestCertificates(['alice']);
    cluster = await PrivateKafkaCluster.start(1, { secure: true, scramUsers: [KAFKA_USER] });
    admin = await secureAdmin(cluster);
    const layout = secureLayout(cluster.stateDir);

    // The space's ACLs, created by the CLI as the stack's admin (credentials from a file, never argv).
    const acl = await runCli([
      'acl', '--space', SPACE, '--prefix', prefix, '--principal', `User:${KAFKA_USER}`, '--apply',
      '--brokers', cluster.brokers.join(','), '--ca', layout.caFile,
      '--credentials', credentialsFile(layout, 'admin'),
    ]); // prettier-ignore
    cliOutputs.push(acl.output);
    expect(acl).toMatchObject({ code: 0 });
    await waitForAcls(
      admin,
      kafkajsAclEntries(spaceAcls({ prefix, space: SPACE, principal: `User:${KAFKA_USER}` })),
    );

    let users: CredentialsFileContent = { version: 1, users: {} };
    for (const [name, password] of Object.entries(wire)) users = await addUser(users, name, password);
    writeFileSync(path.join(certs.dir, 'users.json'), JSON.stringify(users), { mode: 0o600 });
    writeFileSync(path.join(certs.dir, 'unit.password'), `${wire.unit}\n`, { mode: 0o600 });
    chmodSync(certs.serverKey, 0o600);
    writeFileSync(
      path.join(certs.dir, 'permissions.json'),
      JSON.stringify({
        principals: { alice: { [SPACE]: ['*'] }, reader: { [SPACE]: ['read'] }, unit: { '*': ['*'] } },
      }),
    );
    // Paths relative to the file, as an operator writes them; the secrets are files.
    configFile = path.join(certs.dir, 'unit.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        space: SPACE,
        partitions: PARTITIONS,
        backups: 1,
        schemas: EXAMPLE_SCHEMAS,
        prefix,
        readyWaitMs: 2000,
        membership: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 },
        kafka: {
          brokers: cluster.brokers,
          ssl: { ca: layout.caFile },
          sasl: {
            mechanism: 'scram-sha-512',
            username: KAFKA_USER,
            passwordFile: passwordFile(layout, KAFKA_USER),
          },
        },
        security: {
          tls: {
            key: path.basename(certs.serverKey),
            cert: path.basename(certs.serverCert),
            ca: path.basename(certs.caCert),
            requestClientCert: 'optional',
          },
          credentials: './users.json',
          permissions: './permissions.json',
          client: {
            tls: { ca: path.basename(certs.caCert) },
            credentials: { username: 'unit', passwordFile: './unit.password' },
          },
        },
      }),
    );
    await Promise.all(UNIT_NAMES.map((name) => startUnit(name)));
    await placedOn(UNIT_NAMES);
    process.stdout.write(`secure Kafka, ACLs and three secured units up in ${Date.now() - started} ms\n`);
  });

  afterAll(async () => {
    process.off('warning', onWarning);
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await Promise.all([...units.values()].map((unit) => unit.kill()));
    await admin?.disconnect().catch(() => undefined);
    await cluster?.destroy();
    certs?.remove();
  });

  it('serves an authenticated RemoteSpace across the three units, by password and by client certificate', async () => {
    const alice = await asAlice();
    for (let i = 0; i < 12; i++) await alice.write('Order', exampleOrder(i, i));
    expect(await alice.count('Order')).toBe(12);
    const byCertificate = await connect({
      tls: { ca: certs.caCert, cert: certs.clients.alice!.cert, key: certs.clients.alice!.key },
    });
    expect(await byCertificate.readMultiple('Order', { template: {} })).toHaveLength(12);
    expect(await byCertificate.read('Order', { id: 'o-3' })).toMatchObject({ id: 'o-3', total: 13 });
  });

  it('shows the secured units in cluster status (TLS and a user whose password comes from the environment)', async () => {
    const layout = secureLayout(cluster.stateDir);
    const env = {
      ...process.env,
      SPACELOG_KAFKA_SSL_CA_FILE: layout.caFile,
      SPACELOG_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      SPACELOG_KAFKA_SASL_USERNAME: KAFKA_USER,
      SPACELOG_KAFKA_SASL_PASSWORD_FILE: passwordFile(layout, KAFKA_USER),
      SPACELOG_PASSWORD: wire.alice,
    };
    const args = [
      'cluster',
      'status',
      SPACE,
      '--prefix',
      prefix,
      '--brokers',
      cluster.brokers.join(','),
      '--json',
    ];
    const secured = await runCli([...args, '--tls-ca', certs.caCert, '--user', 'alice'], env);
    cliOutputs.push(secured.output);
    expect(secured.code).toBe(0);
    const view = JSON.parse(secured.output) as {
      units: Record<string, { error?: string; status?: unknown }>;
    };
    expect(Object.keys(view.units).sort()).toEqual([...UNIT_NAMES]);
    for (const unit of Object.values(view.units)) {
      expect(unit.error).toBeUndefined();
      expect(unit.status).toBeDefined();
    }
    // Without TLS the units are listed as unreachable, with the reason.
    const plain = await runCli(args, env);
    cliOutputs.push(plain.output);
    const plainView = JSON.parse(plain.output) as { units: Record<string, { error?: string }> };
    for (const unit of Object.values(plainView.units)) expect(unit.error).toMatch(/TLS/);
    // A user without TLS is a usage error, before anything connects.
    const refused = await runCli([...args, '--user', 'alice'], env);
    expect(refused.code).toBe(2);
  });

  it('refuses a client without TLS, without credentials, with a wrong password or with a certificate of another CA', async () => {
    const wrongPassword = `wrong-${randomBytes(8).toString('hex')}`;
    const refusals = await Promise.all(
      [
        connect({}),
        connect({ tls: { ca: certs.caCert } }),
        connect({ tls: { ca: certs.caCert }, credentials: { username: 'alice', password: wrongPassword } }),
        connect({ tls: { ca: certs.caCert, cert: certs.foreign.cert, key: certs.foreign.key } }),
      ].map((attempt) =>
        attempt.then(
          () => new Error('connected'),
          (error: unknown) => error,
        ),
      ),
    );
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(AuthenticationError);
      expect(refusal).toMatchObject({ retriable: false });
    }
    const [plain, anonymous, wrong, foreign] = refusals as AuthenticationError[];
    expect(plain!.message).toMatch(/TLS/);
    expect(wrong).toMatchObject({ principal: 'alice' });
    // requestClientCert 'optional': a certificate that does not verify makes nobody, who must then
    // log in with a password (with `true` it is refused naming the TLS reason: net/security.int.test.ts).
    expect(foreign!.message).toMatch(/authentication required/);
    expect(foreign!.message).not.toMatch(/mallory/);
    const text = refusals
      .map((e) => `${String(e)} ${JSON.stringify(e)} ${(e as Error).stack ?? ''}`)
      .join('\n');
    expect(leakedSecrets(text, { wrongPassword, ...wire })).toEqual([]);
    expect(anonymous!.message).toMatch(/authentication required/);
    // Nothing was served to them, nor changed by them.
    expect(await (await asAlice()).count('Order')).toBe(12);
  });

  it('refuses a read-only principal writes, takes and clears, and leaves the space as it was', async () => {
    const reader = await connect({
      tls: { ca: certs.caCert },
      credentials: { username: 'reader', password: wire.reader },
    });
    expect(await reader.count('Order')).toBe(12);
    const refused = await Promise.all(
      [
        reader.write('Order', exampleOrder(99, 1)),
        reader.take('Order', { id: 'o-1' }),
        reader.clear('Order'),
      ].map((attempt) =>
        attempt.then(
          () => new Error('allowed'),
          (error: unknown) => error,
        ),
      ),
    );
    expect(refused.map((e) => (e as AuthorizationError).operationClass)).toEqual(['write', 'take', 'admin']);
    for (const error of refused) {
      expect(error).toBeInstanceOf(AuthorizationError);
      expect(error).toMatchObject({ principal: 'reader', retriable: false });
    }
    const alice = await asAlice();
    expect(await alice.count('Order')).toBe(12);
    expect(await alice.read('Order', { id: 'o-1' })).toMatchObject({ id: 'o-1', total: 11 });
    expect(await alice.read('Order', { id: 'o-99' })).toBeNull();
  });

  it('keeps an authenticated client working after a unit is killed', async () => {
    const alice = await asAlice();
    const started = Date.now();
    await units.get('c')!.kill();
    await placedOn(['a', 'b']);
    for (let i = 12; i < 16; i++) await alice.write('Order', exampleOrder(i, i));
    expect(await alice.count('Order')).toBe(16);
    expect(await alice.read('Order', { id: 'o-5' })).toMatchObject({ id: 'o-5' });
    process.stdout.write(`failover and four writes after SIGKILL in ${Date.now() - started} ms\n`);
  });

  it('prints no password and no private key, and puts none in a process argument list', () => {
    const layout = secureLayout(cluster.stateDir);
    const secrets: Record<string, string> = { ...wire };
    kafkaSecrets(cluster, [KAFKA_USER]).forEach((secret, i) => (secrets[`kafka${i}`] = secret));
    const keyLines = [
      certs.serverKey,
      certs.clients.alice!.key,
      layout.brokerKeyFile,
      layout.caKeyFile,
    ].flatMap(privateKeyLines);
    keyLines.forEach((line, i) => (secrets[`keyLine${i}`] = line));

    const printed = [
      ...cliOutputs,
      ...[...units.values()].flatMap((unit) => [...unit.lines, unit.stderr]),
      ...warnings,
    ].join('\n');
    expect(printed).toContain('serving'); // the capture did capture
    expect(leakedSecrets(printed, secrets)).toEqual([]);
    expect(printed).not.toMatch(/PRIVATE KEY/);

    const commandLines = [...unitCommandLines, ...brokerPids(cluster).map(commandLineOf)];
    expect(unitCommandLines).toHaveLength(3);
    expect(commandLines.join('\n')).toContain('kafka.Kafka');
    expect(leakedSecrets(commandLines.join('\n'), secrets)).toEqual([]);
  });
});
