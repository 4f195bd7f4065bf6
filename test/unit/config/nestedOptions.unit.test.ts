import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkGridOptions } from '../../../src/cluster/GridConfig';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { ProcessingUnit } from '../../../src/cluster/ProcessingUnit';
import { resolveUnitOptions } from '../../../src/cluster/UnitConfig';
import { readUnitConfigFile } from '../../../src/cluster/UnitConfigFile';
import { resolveConnectOptions } from '../../../src/client/RemoteSpaceConfig';
import { ConnectionConfigError, InvalidArgumentError, UnitConfigError } from '../../../src/errors';
import { resolveNotifyOptions } from '../../../src/events/NotifyOptions';
import { resolvePollingOptions } from '../../../src/events/PollingOptions';
import { checkMirrorOptions } from '../../../src/mirror/MirrorConfig';
import { resolveServerSecurity } from '../../../src/net/security/ServerSecurity';
import { EXAMPLE_SCHEMAS } from '../../support/gridTestKit';
import { typesWithDeadLetters } from '../events/pollingFixtures';
import { expectRefusal, thrown, type RefusalCase } from '../../support/refusals';

// Regression tests of the holes around the unknown-key check (src/config/optionKeys.ts): a unit took
// grid-only keys, nested option objects went unchecked (or were checked only after the space's
// topics were made), and a value that is not an object passed for one with no keys.

const grid = { space: 'orders', partitions: 2, schemas: 'schemas' };
const mirrorOptions = { space: 'orders', schemas: 'x', database: 'postgres://x/y' };
const connect = { bootstrap: ['h:1'], space: 'orders' };
const handler = async (): Promise<void> => undefined;
/** Nothing listens there: a start that got as far as Kafka would fail late, with another error. */
const nowhere = { brokers: ['127.0.0.1:1'] };

const unit = (extra: Record<string, unknown>): unknown =>
  resolveUnitOptions({ ...grid, ...extra } as never, 'unit.json');

describe('a unit', () => {
  it.each([
    ['mirror', { mirror: { database: 'postgres://x/y' } }],
    ['warmup', { warmup: 'log' }],
    ['onRoleChange', { onRoleChange: () => undefined }],
    ['backup', { backup: 2 }],
  ])('refuses %s, a key UnitOptions does not have, as an unknown unit option', (key, extra) => {
    const error = thrown(() => unit(extra));
    expect(error).toBeInstanceOf(UnitConfigError);
    expect(error.message).toBe(`unit.json: unknown unit option '${key}'`);
    expect(error).toMatchObject({ code: 'UNIT_CONFIG', space: 'orders' });
  });

  it('takes every key it has, its own and the grid’s', () => {
    const resolved = resolveUnitOptions({
      ...grid,
      kafka: { replicationFactor: 1, topics: {} },
      prefix: 'p',
      replication: 'async',
      asyncWindow: 10,
      limits: { maxEntryBytes: 1024, maxRecordBytes: 2048, maxEntries: 10, maxIdLength: 64 },
      lingerMs: 0,
      leaseSweepMs: 100,
      readyWaitMs: 100,
      origin: 'o',
      onProgress: () => undefined,
      warmUpInWorker: 'auto',
      onListenerError: () => undefined,
      http: { port: 0 },
      metrics: false,
      backups: 1,
      unit: 'u1',
      host: '127.0.0.1',
      port: 0,
      advertisedHost: 'localhost',
      membership: { sessionTimeoutMs: 6000 },
      services: { start: () => undefined },
      onReplicaChange: () => undefined,
      security: {
        insecure: true,
        authFailureDelayMs: 0,
        client: {
          tls: { servername: 'h', rejectUnauthorized: true },
          credentials: { username: 'u', passwordEnv: 'PW' },
        },
      },
    });
    expect(resolved).toMatchObject({ unit: 'u1', backups: 1, port: 0 });
  });
});

describe('nested option objects', () => {
  const cases: readonly RefusalCase[] = [
    [
      "a unit's security.client",
      () => unit({ security: { insecure: true, client: { cert: 'c' } } }),
      UnitConfigError,
      "unit.json: unknown security.client option 'cert'",
    ],
    [
      "a unit's security.client.tls",
      () => unit({ security: { client: { tls: { ca: 'x', caFile: 'y' } } } }),
      UnitConfigError,
      "unit.json: unknown security.client.tls option 'caFile'",
    ],
    [
      "a unit's security.client.credentials",
      () => unit({ security: { client: { credentials: { username: 'u', passwrd: 'p' } } } }),
      UnitConfigError,
      "unit.json: unknown security.client.credentials option 'passwrd'",
    ],
    [
      "a unit's security (the server part, before the server listens)",
      () => unit({ security: { insecure: true, bogus: 1 } }),
      UnitConfigError,
      "unit.json: unknown security option 'bogus'",
    ],
    [
      "a unit's security.tls",
      () => unit({ security: { tls: { key: 'k', cert: 'c', caFile: 'x' } } }),
      UnitConfigError,
      "unit.json: unknown security.tls option 'caFile'",
    ],
    [
      "a unit's limits",
      () => unit({ limits: { maxEntrys: 1 } }),
      UnitConfigError,
      "unit.json: unknown limits option 'maxEntrys'",
    ],
    [
      "a grid's limits",
      () => checkGridOptions({ ...grid, limits: { maxEntryBytes: 1, maxEntrys: 1 } } as never),
      InvalidArgumentError,
      "unknown limits option 'maxEntrys'",
    ],
    [
      "regression: a grid's limits do not take the internal record sizer (it would switch the record check off)",
      () => checkGridOptions({ ...grid, limits: { recordBytes: () => 0 } } as never),
      InvalidArgumentError,
      "unknown limits option 'recordBytes'",
    ],
    [
      "a grid's mirror (when the grid's options are checked)",
      () => checkGridOptions({ ...grid, mirror: { database: 'postgres://x/y', histroy: true } } as never),
      InvalidArgumentError,
      "unknown mirror option 'histroy'",
    ],
    [
      "a grid's mirror.database",
      () =>
        checkGridOptions({ ...grid, mirror: { database: { url: 'postgres://h/d', pass: 'x' } } } as never),
      ConnectionConfigError,
      'mirror.database.pass: unknown key',
    ],
    [
      "a grid's mirror values its projector takes",
      () => checkGridOptions({ ...grid, mirror: { database: 'postgres://x/y', concurrency: 0 } }),
      InvalidArgumentError,
      'concurrency must be a positive integer, got 0',
    ],
    [
      "a mirror's retry",
      () => checkMirrorOptions({ ...mirrorOptions, retry: { initialMs: 5, initialBackoffMs: 5 } } as never),
      InvalidArgumentError,
      "unknown mirror retry option 'initialBackoffMs'",
    ],
    [
      "a client's retry",
      () => resolveConnectOptions({ ...connect, retry: { initialMs: 5 } } as never),
      InvalidArgumentError,
      "unknown connect retry option 'initialMs'",
    ],
    [
      "a client's tls",
      () => resolveConnectOptions({ ...connect, tls: { servername: 'h', caFile: 'x' } } as never),
      InvalidArgumentError,
      "unknown connect tls option 'caFile'",
    ],
    [
      "a client's credentials",
      () =>
        resolveConnectOptions({
          ...connect,
          tls: {},
          credentials: { username: 'u', password: 'p', passwordFile: 'f' },
        } as never),
      InvalidArgumentError,
      "unknown connect credentials option 'passwordFile'",
    ],
  ];

  it.each(cases)('in %s are refused with their path', (_what, run, error, message) =>
    expectRefusal(run, error, message),
  );

  it('a client still takes its retry, tls and credentials', () => {
    const resolved = resolveConnectOptions({
      ...connect,
      retry: { initialBackoffMs: 1, maxBackoffMs: 2, multiplier: 3 },
      tls: { servername: 'h', rejectUnauthorized: true },
      credentials: { username: 'u', password: 'p' },
    });
    expect(resolved.retry).toEqual({ initialBackoffMs: 1, maxBackoffMs: 2, multiplier: 3 });
    expect(resolved.security?.auth).toMatchObject({ username: 'u' });
  });

  it('a mirror still takes its retry', () => {
    expect(() => checkMirrorOptions({ ...mirrorOptions, retry: { initialMs: 1, maxMs: 2 } })).not.toThrow();
  });

  it("a grid refuses its mirror's unknown key before it connects to Kafka", async () => {
    const start = LocalGrid.start({
      ...grid,
      schemas: EXAMPLE_SCHEMAS,
      kafka: nowhere,
      mirror: { database: 'postgres://x/y', histroy: true } as never,
    });
    await expect(start).rejects.toMatchObject({
      name: 'InvalidArgumentError',
      message: "unknown mirror option 'histroy'",
    });
  });

  it("regression: a grid refuses its mirror's database settings (unverified TLS to a remote server) before it connects to Kafka", async () => {
    const start = LocalGrid.start({
      ...grid,
      schemas: EXAMPLE_SCHEMAS,
      kafka: nowhere,
      mirror: { database: 'postgres://mirror:pw@db.example/reports?sslmode=no-verify' },
    });
    await expect(start).rejects.toMatchObject({
      name: 'ConnectionConfigError',
      setting: 'mirror.database.ssl',
    });
  });

  it('a unit refuses an unknown server security key before it connects to Kafka', async () => {
    const start = ProcessingUnit.start({
      ...grid,
      schemas: EXAMPLE_SCHEMAS,
      kafka: nowhere,
      security: { insecure: true, bogus: 1 } as never,
    });
    await expect(start).rejects.toMatchObject({
      name: 'UnitConfigError',
      message: "unit options: unknown security option 'bogus'",
    });
  });
});

describe('a value that is not an object where options are expected', () => {
  const cases: readonly RefusalCase[] = [
    [
      "a notify container's retry: a number",
      () => resolveNotifyOptions({ name: 'totals', handler, retry: 5 } as never),
      InvalidArgumentError,
      'notify container totals: retry must be an object, got 5',
    ],
    [
      "a notify container's retry: a string",
      () => resolveNotifyOptions({ name: 'totals', handler, retry: 'fast' } as never),
      InvalidArgumentError,
      'notify container totals: retry must be an object, got a string',
    ],
    [
      'notify container options: an array',
      () => resolveNotifyOptions([] as never),
      InvalidArgumentError,
      'notify container options must be an object',
    ],
    [
      "a unit's membership: a number",
      () => unit({ membership: 5 }),
      UnitConfigError,
      'unit.json: membership must be an object, got 5',
    ],
    [
      "a unit's membership: a string",
      () => unit({ membership: 'abc' }),
      UnitConfigError,
      'unit.json: membership must be an object, got a string',
    ],
    [
      "a unit's membership: null",
      () => unit({ membership: null }),
      UnitConfigError,
      'unit.json: membership must be an object, got null',
    ],
    [
      "a unit's security: a number",
      () => unit({ security: 5 }),
      UnitConfigError,
      'unit.json: security must be an object, got 5',
    ],
    [
      "a unit's security.tls: a string",
      () => unit({ security: { tls: '/etc/tls' } }),
      UnitConfigError,
      'unit.json: security.tls must be an object, got a string',
    ],
    [
      "a unit's security.client: an array",
      () => unit({ security: { insecure: true, client: [] } }),
      UnitConfigError,
      'unit.json: security.client must be an object, got an array',
    ],
    [
      "a unit's security.client.credentials: a string",
      () => unit({ security: { client: { credentials: 'u:secret' } } }),
      UnitConfigError,
      'unit.json: security.client.credentials must be an object, got a string',
    ],
    [
      "a unit's limits: a number",
      () => unit({ limits: 5 }),
      UnitConfigError,
      'unit.json: limits must be an object, got 5',
    ],
    [
      'unit options: an array',
      () => resolveUnitOptions([grid] as never, 'unit.json'),
      UnitConfigError,
      'unit.json must be an object, got an array',
    ],
    [
      "a grid's limits: a number",
      () => checkGridOptions({ ...grid, limits: 5 } as never),
      InvalidArgumentError,
      'limits must be an object, got 5',
    ],
    [
      "a grid's mirror: null",
      () => checkGridOptions({ ...grid, mirror: null } as never),
      InvalidArgumentError,
      'mirror must be an object, got null',
    ],
    [
      "a grid's mirror: a string",
      () => checkGridOptions({ ...grid, mirror: 'postgres://x/y' } as never),
      InvalidArgumentError,
      'mirror must be an object, got a string',
    ],
    [
      "a grid's kafka.topics: a number",
      () => checkGridOptions({ ...grid, kafka: { topics: 5 } } as never),
      InvalidArgumentError,
      'kafka.topics must be an object, got 5',
    ],
    [
      'grid options: a string',
      () => checkGridOptions('orders' as never),
      InvalidArgumentError,
      'grid options must be an object, got a string',
    ],
    [
      "a mirror's retry: a number",
      () => checkMirrorOptions({ ...mirrorOptions, retry: 5 } as never),
      InvalidArgumentError,
      'retry must be an object, got 5',
    ],
    [
      'mirror options: null',
      () => checkMirrorOptions(null as never),
      InvalidArgumentError,
      'mirror options must be an object, got null',
    ],
    [
      "a client's retry: a number",
      () => resolveConnectOptions({ ...connect, retry: 5 } as never),
      InvalidArgumentError,
      'retry must be an object, got 5',
    ],
    [
      "a client's tls: true",
      () => resolveConnectOptions({ ...connect, tls: true } as never),
      InvalidArgumentError,
      'tls must be an object, got true',
    ],
    [
      "a client's credentials: a string",
      () => resolveConnectOptions({ ...connect, credentials: 'u:secret' } as never),
      InvalidArgumentError,
      'credentials must be an object, got a string',
    ],
    [
      "a polling container's backoff: an array",
      () =>
        resolvePollingOptions(
          { name: 'pay', type: 'Order', handler, backoff: [5] } as never,
          typesWithDeadLetters(),
        ),
      InvalidArgumentError,
      "polling container 'pay': backoff must be an object",
    ],
    [
      'polling container options: an array',
      () => resolvePollingOptions([] as never, typesWithDeadLetters()),
      InvalidArgumentError,
      'polling container options must be an object',
    ],
    [
      "a server's security: an array",
      () => resolveServerSecurity(['x'] as never, '127.0.0.1'),
      InvalidArgumentError,
      'security must be an object',
    ],
    [
      "a server's security.tls: an array",
      () => resolveServerSecurity({ tls: ['k', 'c'] } as never, '127.0.0.1'),
      InvalidArgumentError,
      'security.tls must be an object',
    ],
    [
      'connect options: null',
      () => resolveConnectOptions(null as never),
      InvalidArgumentError,
      'connect options must be an object, got null',
    ],
  ];

  it.each(cases)('in %s is refused, naming the option', (_what, run, error, message) =>
    expectRefusal(run, error, message),
  );

  it('is refused in a unit config file, not spread into keys 0, 1 ...', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spacelog-unit-config-'));
    try {
      const file = join(dir, 'unit.json');
      const security = { insecure: true, client: { tls: 'ca.pem', credentials: 'user' } };
      writeFileSync(file, JSON.stringify({ ...grid, security }));
      const { options } = readUnitConfigFile(file);
      expectRefusal(
        () => resolveUnitOptions(options, file),
        UnitConfigError,
        `${file}: security.client.tls must be an object, got a string`,
      );
      writeFileSync(file, JSON.stringify({ ...grid, security: { ...security, client: 'me' } }));
      expectRefusal(
        () => resolveUnitOptions(readUnitConfigFile(file).options, file),
        UnitConfigError,
        `${file}: security.client must be an object, got a string`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
