import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import type { ConnectOptions } from '../../../src/client/RemoteSpaceConfig';
import {
  AuthenticationError,
  AuthorizationError,
  InsecureBindError,
  InvalidArgumentError,
} from '../../../src/errors';
import { SpaceServer, type SpaceServerOptions } from '../../../src/net/SpaceServer';
import { addUser, type CredentialsFileContent } from '../../../src/net/security/Credentials';
import { encodeAuthArgs } from '../../../src/net/security/handshake';
import { toWireJson } from '../../../src/net/wireJson';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';
import { RawWireClient } from '../../support/rawWireClient';
import { makeTestCertificates, type TestCertificates } from '../../support/testCertificates';

const SPACE = 'orders';
const ALICE_PASSWORD = 'correct horse battery staple';
const READER_PASSWORD = 'read-only reader';
const TAKER_PASSWORD = 'takes one partition at a time';

describe('wire security: TLS, authentication, permissions (issue 18 item 1)', () => {
  const kit = gridTestKit();
  let grid: LocalGrid;
  let certs: TestCertificates;
  let credentialsFile: string;
  let permissionsFile: string;
  const servers: SpaceServer[] = [];
  const clients: RemoteSpace[] = [];
  const raws: RawWireClient[] = [];

  const serve = async (options: SpaceServerOptions): Promise<SpaceServer> => {
    const server = await SpaceServer.listen(grid, { port: 0, ...options });
    servers.push(server);
    return server;
  };
  const connect = async (options: Omit<ConnectOptions, 'space'>): Promise<RemoteSpace> => {
    const client = await RemoteSpace.connect({ space: SPACE, requestTimeout: 5000, ...options });
    clients.push(client);
    return client;
  };
  const passwordServer = (): Promise<SpaceServer> =>
    serve({
      security: {
        tls: { key: certs.serverKey, cert: certs.serverCert },
        credentials: credentialsFile,
        permissions: permissionsFile,
        authFailureDelayMs: 50,
      },
    });

  beforeAll(async () => {
    certs = makeTestCertificates(['alice', 'reader']);
    let users: CredentialsFileContent = { version: 1, users: {} };
    users = await addUser(users, 'alice', ALICE_PASSWORD);
    users = await addUser(users, 'reader', READER_PASSWORD);
    users = await addUser(users, 'taker', TAKER_PASSWORD);
    credentialsFile = join(certs.dir, 'users.json');
    writeFileSync(credentialsFile, JSON.stringify(users));
    permissionsFile = join(certs.dir, 'permissions.json');
    writeFileSync(
      permissionsFile,
      JSON.stringify({
        principals: {
          alice: { [SPACE]: ['*'] },
          reader: { [SPACE]: ['read'] },
          taker: { [SPACE]: ['read', 'take', 'execute'] },
        },
      }),
    );
    grid = await LocalGrid.start({
      space: SPACE,
      partitions: 2,
      schemas: EXAMPLE_SCHEMAS,
      prefix: kit.prefix,
      kafka: { brokers: kit.brokers },
      lingerMs: 1,
    });
  });

  afterAll(async () => {
    for (const raw of raws) raw.destroy();
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.close()));
    await grid?.close();
    await kit.cleanup();
    certs?.remove();
  });

  it('serves a TLS client that authenticates with its password, round trip', async () => {
    const server = await passwordServer();
    const space = await connect({
      bootstrap: [server.endpoint],
      tls: { ca: certs.caCert },
      credentials: { username: 'alice', password: ALICE_PASSWORD },
    });
    await space.write('Order', exampleOrder(1, 7));
    const found = await space.read('Order', { id: exampleOrder(1, 7).id as string });
    expect(found).toMatchObject({ id: exampleOrder(1, 7).id, customerId: 'c-7' });
  });

  it('refuses a wrong password with AuthenticationError naming the user, never the password, and serves nothing', async () => {
    const server = await passwordServer();
    const attempt = connect({
      bootstrap: [server.endpoint],
      tls: { ca: certs.caCert },
      credentials: { username: 'alice', password: 'wrong password' },
    });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).principal).toBe('alice');
    expect((error as AuthenticationError).retriable).toBe(false);
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(
      'wrong password',
    );

    // On the wire: the requests pipelined behind the failed AUTH get nothing but the goodbye.
    const raw = await RawWireClient.openTls(server.endpoint, { ca: readFileSync(certs.caCert) });
    raws.push(raw);
    raw.send({
      id: 1,
      op: 'AUTH',
      type: '',
      args: encodeAuthArgs({ mechanism: 'password', username: 'alice', password: 'nope' }),
    });
    raw.send({ id: 2, op: 'COUNT', args: toWireJson({ selector: { template: {} } }) });
    await raw.closed;
    expect(raw.goodbye()).toMatchObject({ name: 'AuthenticationError', code: 'AUTHENTICATION' });
    expect(raw.answers(2)).toEqual([]);
  });

  it('closes a connection whose first request is not AUTH, with AuthenticationError', async () => {
    const server = await passwordServer();
    const raw = await RawWireClient.openTls(server.endpoint, { ca: readFileSync(certs.caCert) });
    raws.push(raw);
    raw.send({ id: 1, op: 'COUNT', args: toWireJson({ selector: { template: {} } }) });
    await raw.closed;
    expect(raw.goodbye()).toMatchObject({ name: 'AuthenticationError' });
    expect(raw.answers(1)).toEqual([]);

    // The client without credentials gets the same, typed.
    await expect(connect({ bootstrap: [server.endpoint], tls: { ca: certs.caCert } })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
  });

  it('takes only small frames (64 KiB) before AUTH succeeds, and the configured size after', async () => {
    const server = await passwordServer();
    const large = { selector: { query: 'customerId = ?', params: ['c'.repeat(200 * 1024)] } };
    // Before AUTH: a frame announcing 1 MiB is refused at its header; nothing of it is buffered.
    const early = await RawWireClient.openTls(server.endpoint, { ca: readFileSync(certs.caCert) });
    raws.push(early);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1024 * 1024);
    early.write(header);
    await early.closed;
    expect(early.goodbye()).toMatchObject({ name: 'FrameTooLargeError' });

    // After AUTH: a 200 KiB request is served.
    const raw = await RawWireClient.openTls(server.endpoint, { ca: readFileSync(certs.caCert) });
    raws.push(raw);
    raw.send({
      id: 1,
      op: 'AUTH',
      type: '',
      args: encodeAuthArgs({ mechanism: 'password', username: 'alice', password: ALICE_PASSWORD }),
    });
    expect(await raw.answer(1)).toBeNull();
    raw.send({ id: 2, op: 'COUNT', type: 'Order', args: toWireJson(large) });
    expect(await raw.answer(2)).toBeNull();
  });

  it('a principal granted read only gets AuthorizationError on write, take, clear, change by query and execute, and nothing changes', async () => {
    const server = await passwordServer();
    const admin = await connect({
      bootstrap: [server.endpoint],
      tls: { ca: certs.caCert },
      credentials: { username: 'alice', password: ALICE_PASSWORD },
    });
    const order = exampleOrder(20, 3);
    await admin.write('Order', order);
    const before = await admin.count('Order');
    const reader = await connect({
      bootstrap: [server.endpoint],
      tls: { ca: certs.caCert },
      credentials: { username: 'reader', password: READER_PASSWORD },
    });
    expect(await reader.read('Order', { id: order.id as string })).toMatchObject({ id: order.id });
    expect(await reader.count('Order')).toBe(before);

    const refused = async (
      run: Promise<unknown>,
      operation: string,
      operationClass: string,
    ): Promise<void> => {
      const error = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AuthorizationError);
      expect(error).toMatchObject({
        principal: 'reader',
        operation,
        operationClass,
        space: SPACE,
        retriable: false,
      });
    };
    await refused(reader.write('Order', exampleOrder(21, 3)), 'WRITE', 'write');
    await refused(reader.take('Order', { id: order.id as string }), 'TAKE', 'take');
    await refused(reader.clear('Order'), 'CLEAR', 'admin');
    await refused(
      reader.change('Order', { template: {} }, [{ op: 'set', path: 'status', value: 'X' }]),
      'CHANGE',
      'admin',
    );
    await refused(reader.execute('anyTask', {}, { partition: 0 }), 'EXECUTE', 'execute:anyTask');

    expect(await admin.count('Order')).toBe(before);
    expect(await admin.read('Order', { id: order.id as string })).toMatchObject({ status: order.status });
  });

  it('a take grant does not reach every entry through routing values, nor whole partitions through internal tasks', async () => {
    const server = await passwordServer();
    const admin = await connect({
      bootstrap: [server.endpoint],
      tls: { ca: certs.caCert },
      credentials: { username: 'alice', password: ALICE_PASSWORD },
    });
    for (let i = 40; i < 46; i++) await admin.write('Order', exampleOrder(i, i));
    const before = await admin.count('Order');
    const taker = await connect({
      bootstrap: [server.endpoint],
      tls: { ca: certs.caCert },
      credentials: { username: 'taker', password: TAKER_PASSWORD },
    });
    const denied = async (run: Promise<unknown>): Promise<void> => {
      const error = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AuthorizationError);
      expect(error).toMatchObject({ principal: 'taker', operationClass: 'admin' });
    };
    // A routing value only names a partition: with it, a take of everything would empty that partition.
    for (const c of [40, 41, 42, 43])
      await denied(taker.takeMultiple('Order', { template: {} }, { routing: `c-${c}` }));
    // Spacelog's own snapshot tasks (verify) read whole partitions: admin only, even with `execute`.
    await denied(taker.execute('$snapshot:open', { type: 'Order' }, { partition: 0 }));
    expect(await admin.count('Order')).toBe(before);
    // A selector that names one routing value is confined to it: the take grant covers it.
    const taken = await taker.takeMultiple('Order', { template: { customerId: 'c-40' } });
    expect(taken.map((o) => o.id)).toEqual(['o-40']);
  });

  it('authenticates by client certificate (mutual TLS, CN = principal) and refuses a certificate of another CA', async () => {
    const server = await serve({
      security: {
        tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.caCert, requestClientCert: true },
        permissions: { principals: { alice: { [SPACE]: ['read', 'write'] }, reader: { [SPACE]: ['read'] } } },
      },
    });
    const alice = await connect({
      bootstrap: [server.endpoint],
      tls: { ca: certs.caCert, cert: certs.clients.alice!.cert, key: certs.clients.alice!.key },
    });
    await alice.write('Order', exampleOrder(30, 4));
    await expect(alice.take('Order', { id: exampleOrder(30, 4).id as string })).rejects.toMatchObject({
      name: 'AuthorizationError',
      principal: 'alice',
    });
    const reader = await connect({
      bootstrap: [server.endpoint],
      tls: { ca: certs.caCert, cert: certs.clients.reader!.cert, key: certs.clients.reader!.key },
    });
    await expect(reader.write('Order', exampleOrder(31, 4))).rejects.toBeInstanceOf(AuthorizationError);

    const mallory = connect({
      bootstrap: [server.endpoint],
      tls: { ca: certs.caCert, cert: certs.foreign.cert, key: certs.foreign.key },
    });
    await expect(mallory).rejects.toBeInstanceOf(AuthenticationError);
    const nobody = connect({ bootstrap: [server.endpoint], tls: { ca: certs.caCert } });
    await expect(nobody).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('a client that does not trust the server certificate fails with AuthenticationError', async () => {
    const server = await passwordServer();
    const started = Date.now();
    await expect(
      connect({
        bootstrap: [server.endpoint],
        tls: { ca: certs.foreign.caCert },
        credentials: { username: 'alice', password: ALICE_PASSWORD },
      }),
    ).rejects.toBeInstanceOf(AuthenticationError);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('a plain TCP client of a TLS server is refused cleanly (typed, at once, no retries)', async () => {
    const server = await passwordServer();
    const started = Date.now();
    const error = await connect({ bootstrap: [server.endpoint] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/TLS/u);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('regression: TLS handshakes under way count toward maxConnections (sockets that never finish one cannot exhaust the server)', async () => {
    const server = await serve({
      maxConnections: 2,
      security: {
        tls: { key: certs.serverKey, cert: certs.serverCert },
        credentials: credentialsFile,
        permissions: permissionsFile,
      },
    });
    const [host, port] = server.endpoint.split(':') as [string, string];
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const socket = createConnection({ host, port: Number(port) }, () => resolve(socket));
        socket.on('error', reject);
      });
    const closedWithin = (socket: Socket, ms: number): Promise<boolean> =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    const alice = { username: 'alice', password: ALICE_PASSWORD };
    const eventuallyClosed = (sockets: Socket[]): Promise<unknown> =>
      Promise.all(sockets.map((socket) => (socket.closed ? true : closedWithin(socket, 2000))));
    // Two peers that connect and never say a word hold the two places.
    const idle = [await open(), await open()];
    try {
      const third = await open();
      expect(await closedWithin(third, 2000)).toBe(true);
      // A TLS client is refused too while they hold the places; once they go, it is served.
      await expect(
        connect({
          bootstrap: [server.endpoint],
          tls: { ca: certs.caCert },
          credentials: alice,
          requestTimeout: 1500,
        }),
      ).rejects.toThrow();
    } finally {
      for (const socket of idle) socket.destroy();
    }
    await eventuallyClosed(idle);
    const client = await connect({
      bootstrap: [server.endpoint],
      tls: { ca: certs.caCert },
      credentials: alice,
    });
    await expect(client.count('Order')).resolves.toBeGreaterThanOrEqual(0);
  });

  it('never sends credentials without TLS (refused on the client before connecting)', async () => {
    await expect(
      RemoteSpace.connect({
        bootstrap: ['127.0.0.1:1'],
        space: SPACE,
        credentials: { username: 'a', password: 'b' },
      }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('refuses to bind a non-loopback address without TLS unless insecure: true', async () => {
    await expect(SpaceServer.listen(grid, { port: 0, host: '0.0.0.0' })).rejects.toBeInstanceOf(
      InsecureBindError,
    );
    await expect(
      SpaceServer.listen(grid, { port: 0, host: '0.0.0.0', security: { permissions: permissionsFile } }),
    ).rejects.toBeInstanceOf(InsecureBindError);
    const insecure = await serve({ host: '0.0.0.0', security: { insecure: true } });
    const space = await connect({ bootstrap: [`127.0.0.1:${insecure.port}`] });
    expect(await space.count('Order')).toBeGreaterThanOrEqual(0);
    const secure = await serve({
      host: '0.0.0.0',
      security: { tls: { key: certs.serverKey, cert: certs.serverCert } },
    });
    const overTls = await connect({ bootstrap: [`127.0.0.1:${secure.port}`], tls: { ca: certs.caCert } });
    expect(await overTls.count('Order')).toBeGreaterThanOrEqual(0);
  });
});
