import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessingUnit } from '../../../src/cluster/ProcessingUnit';
import { partitionOf } from '../../../src/api/partitionOf';
import { resolveUnitOptions } from '../../../src/cluster/UnitConfig';
import { readUnitConfigFile } from '../../../src/cluster/UnitConfigFile';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { AuthenticationError, AuthorizationError, UnitConfigError } from '../../../src/errors';
import { addUser, type CredentialsFileContent } from '../../../src/net/security/Credentials';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';
import { makeTestCertificates, type TestCertificates } from '../../support/testCertificates';

jest.setTimeout(120_000);

const PARTITIONS = 4;
const SPACE = 'orders';

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('processing units with a security block (issue 18 item 1)', () => {
  const kit = gridTestKit();
  const units: ProcessingUnit[] = [];
  const clients: RemoteSpace[] = [];
  let certs: TestCertificates;
  let configFile: string;
  const env = `SPACELOG_TEST_UNIT_PASSWORD_${process.pid}`;

  beforeAll(async () => {
    certs = makeTestCertificates();
    let users: CredentialsFileContent = { version: 1, users: {} };
    users = await addUser(users, 'alice', 'alice-secret');
    users = await addUser(users, 'reader', 'reader-secret');
    users = await addUser(users, 'unit', 'unit-secret');
    writeFileSync(join(certs.dir, 'users.json'), JSON.stringify(users));
    writeFileSync(
      join(certs.dir, 'permissions.json'),
      JSON.stringify({
        principals: { alice: { [SPACE]: ['*'] }, reader: { [SPACE]: ['read'] }, unit: { '*': ['*'] } },
      }),
    );
    process.env[env] = 'unit-secret';
    // Paths relative to the config file, as a user writes them.
    configFile = join(certs.dir, 'unit.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        space: SPACE,
        partitions: PARTITIONS,
        backups: 1,
        schemas: EXAMPLE_SCHEMAS,
        prefix: kit.prefix,
        kafka: { brokers: kit.brokers },
        port: 0,
        readyWaitMs: 2000,
        membership: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 },
        security: {
          tls: { key: 'server.pk8.key', cert: 'server.crt', ca: 'ca.crt' },
          credentials: './users.json',
          permissions: './permissions.json',
          client: { credentials: { username: 'unit', passwordEnv: env } },
        },
      }),
    );
    const { options, baseDir } = readUnitConfigFile(configFile);
    units.push(await ProcessingUnit.start({ ...options, unit: 'a' }, baseDir));
    units.push(await ProcessingUnit.start({ ...options, unit: 'b' }, baseDir));
    await until('both units leading two partitions', () => units.every((u) => u.primaries().length === 2));
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(units.map((u) => u.close()));
    await kit.cleanup();
    certs?.remove();
    delete process.env[env];
  });

  const connect = async (username: string, password: string): Promise<RemoteSpace> => {
    const client = await RemoteSpace.connect({
      bootstrap: [units[0]!.endpoint],
      space: SPACE,
      tls: { ca: certs.caCert },
      credentials: { username, password },
      requestTimeout: 10_000,
    });
    clients.push(client);
    return client;
  };

  it('serves an authenticated RemoteSpace across both units, and refuses what a principal was not granted', async () => {
    const alice = await connect('alice', 'alice-secret');
    const orders = Array.from({ length: 8 }, (_, i) => exampleOrder(i, i));
    for (const order of orders) await alice.write('Order', order);
    expect(await alice.count('Order')).toBe(8);
    const reader = await connect('reader', 'reader-secret');
    expect(await reader.readMultiple('Order', { template: {} })).toHaveLength(8);
    await expect(reader.write('Order', exampleOrder(99, 1))).rejects.toBeInstanceOf(AuthorizationError);
    await expect(reader.clear('Order')).rejects.toBeInstanceOf(AuthorizationError);
    expect(await alice.count('Order')).toBe(8);
    await expect(connect('alice', 'not-her-password')).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("a unit's collocated space reaches partitions led by the other unit, authenticated as the unit", async () => {
    const [a] = units as [ProcessingUnit];
    const elsewhere = [...Array(PARTITIONS).keys()].filter((k) => !a.primaries().includes(k));
    let customer = 0;
    while (!elsewhere.includes(partitionOf(`c-${customer}`, PARTITIONS))) customer += 1;
    const order = exampleOrder(500, customer);
    await a.space.write('Order', order);
    expect(await a.space.read('Order', { id: order.id as string })).toMatchObject({ id: order.id });
  });

  it('refuses a non-loopback host without TLS unless insecure: true, and a password unit without client credentials', () => {
    const base = {
      space: SPACE,
      partitions: PARTITIONS,
      schemas: EXAMPLE_SCHEMAS,
      kafka: { brokers: kit.brokers },
    };
    expect(() => resolveUnitOptions({ ...base, host: '0.0.0.0' })).toThrow(UnitConfigError);
    expect(resolveUnitOptions({ ...base, host: '0.0.0.0', security: { insecure: true } }).host).toBe(
      '0.0.0.0',
    );
    const { options } = readUnitConfigFile(configFile);
    const { client: _client, ...withoutClient } = options.security!;
    return expect(ProcessingUnit.start({ ...options, security: withoutClient })).rejects.toBeInstanceOf(
      UnitConfigError,
    );
  });
});
