import { checkGridOptions } from '../../../src/cluster/GridConfig';
import { resolveUnitOptions } from '../../../src/cluster/UnitConfig';
import { resolveConnectOptions } from '../../../src/client/RemoteSpaceConfig';
import {
  ConnectionConfigError,
  InvalidArgumentError,
  SchemaDefinitionError,
  UnitConfigError,
} from '../../../src/errors';
import { resolveNotifyOptions } from '../../../src/events/NotifyOptions';
import { resolvePollingOptions } from '../../../src/events/PollingOptions';
import { resolveTopicSettings } from '../../../src/log/admin/TopicSettings';
import { checkKafkaClientOptions } from '../../../src/log/connection/resolveKafkaConnection';
import { checkGridMirrorOptions, checkMirrorOptions } from '../../../src/mirror/MirrorConfig';
import { checkDatabaseOptions } from '../../../src/mirror/resolveDatabaseConfig';
import { SpaceServer } from '../../../src/net/SpaceServer';
import { Permissions } from '../../../src/net/security/Permissions';
import { resolveServerSecurity } from '../../../src/net/security/ServerSecurity';
import { checkHttpOptions } from '../../../src/http/HttpOptions';
import type { FieldInfo } from '../../../src/schema/FieldKind';
import { parseSpacelogAttributes } from '../../../src/schema/SpacelogAttributes';
import { typesWithDeadLetters } from '../events/pollingFixtures';
import { thrown } from '../../support/refusals';

// Every options object Spacelog checks refuses its first unknown key with its own error class and
// message; these lock them, site by site, so that sharing one check (src/config/optionKeys.ts)
// changes none of them.

const grid = { space: 'orders', partitions: 2, schemas: 'schemas' };
const fields: ReadonlyMap<string, FieldInfo> = new Map([['id', { kind: 'string', nullable: false }]]);
const handler = async (): Promise<void> => undefined;

interface Refusal {
  readonly error: new (...args: never[]) => Error;
  readonly message: string;
  /** Other fields the error carries (code, setting, file ...). */
  readonly fields?: Readonly<Record<string, unknown>>;
}

const cases: readonly (readonly [string, () => unknown, Refusal])[] = [
  [
    'grid options',
    () => checkGridOptions({ ...grid, colour: 1, shade: 2 } as never),
    {
      error: InvalidArgumentError,
      message: "unknown grid option 'colour'",
      fields: { code: 'INVALID_ARGUMENT' },
    },
  ],
  [
    "a grid's kafka",
    () => checkGridOptions({ ...grid, kafka: { replicationFactor: 3, tls: true } } as never),
    {
      error: ConnectionConfigError,
      message: 'kafka.tls: unknown key',
      fields: { setting: 'kafka.tls', code: 'CONNECTION_CONFIG' },
    },
  ],
  [
    "a grid's http",
    () => checkGridOptions({ ...grid, http: { prot: 1 } } as never),
    { error: InvalidArgumentError, message: "unknown http option 'prot'" },
  ],
  [
    // Was "unknown grid option 'colour'": a unit now checks its own keys first, since it takes
    // fewer than a grid (no mirror, warmup or onRoleChange).
    'unit options',
    () => resolveUnitOptions({ ...grid, colour: 1 } as never, 'unit.json'),
    {
      error: UnitConfigError,
      message: "unit.json: unknown unit option 'colour'",
      fields: { code: 'UNIT_CONFIG', space: 'orders' },
    },
  ],
  [
    'unit options: a grid key a unit does not take',
    () => resolveUnitOptions({ ...grid, warmup: 'log' } as never, 'unit.json'),
    { error: UnitConfigError, message: "unit.json: unknown unit option 'warmup'" },
  ],
  [
    "a unit's membership",
    () => resolveUnitOptions({ ...grid, membership: { sessionTimeout: 1 } } as never, 'unit.json'),
    {
      error: UnitConfigError,
      message: "unit.json: unknown membership option 'sessionTimeout'",
      fields: { space: 'orders' },
    },
  ],
  [
    "a unit's kafka",
    () => resolveUnitOptions({ ...grid, kafka: { tls: true } } as never),
    { error: UnitConfigError, message: 'unit options: kafka.tls: unknown key' },
  ],
  [
    "a grid's mirror (what GridMirror is built from)",
    () => checkGridMirrorOptions({ database: 'postgres://x/y', histroy: true } as never),
    { error: InvalidArgumentError, message: "unknown mirror option 'histroy'" },
  ],
  [
    "a grid's mirror, checked with the grid's options",
    () => checkGridOptions({ ...grid, mirror: { database: 'postgres://x/y', histroy: true } } as never),
    { error: InvalidArgumentError, message: "unknown mirror option 'histroy'" },
  ],
  [
    "a grid's limits",
    () => checkGridOptions({ ...grid, limits: { maxEntrys: 1 } } as never),
    { error: InvalidArgumentError, message: "unknown limits option 'maxEntrys'" },
  ],
  [
    "a unit's security.client",
    () => resolveUnitOptions({ ...grid, security: { client: { cert: 'c' } } } as never, 'unit.json'),
    { error: UnitConfigError, message: "unit.json: unknown security.client option 'cert'" },
  ],
  [
    'mirror options',
    () =>
      checkMirrorOptions({ space: 'orders', schemas: 'x', database: 'postgres://x/y', group: 'g' } as never),
    { error: InvalidArgumentError, message: "unknown mirror option 'group'" },
  ],
  [
    "a mirror's kafka",
    () => checkMirrorOptions({ space: 'orders', schemas: 'x', kafka: { topics: {} } } as never),
    {
      error: ConnectionConfigError,
      message: 'kafka.topics: unknown key',
      fields: { setting: 'kafka.topics' },
    },
  ],
  [
    'kafka options',
    () => checkKafkaClientOptions({ brokers: ['a:1'], broker: 'a:1', other: 1 }, 'mirror.kafka'),
    {
      error: ConnectionConfigError,
      message: 'mirror.kafka.broker: unknown key',
      fields: { setting: 'mirror.kafka.broker' },
    },
  ],
  [
    'kafka options with extra keys',
    () => checkKafkaClientOptions({ topics: {}, replicas: 3 }, 'kafka', ['topics']),
    {
      error: ConnectionConfigError,
      message: 'kafka.replicas: unknown key',
      fields: { setting: 'kafka.replicas' },
    },
  ],
  [
    'kafka.ssl',
    () => checkKafkaClientOptions({ ssl: { ca: 'x', verify: true } }),
    {
      error: ConnectionConfigError,
      message: 'kafka.ssl.verify: unknown key',
      fields: { setting: 'kafka.ssl.verify' },
    },
  ],
  [
    'kafka.sasl of a password mechanism',
    () => checkKafkaClientOptions({ sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', tokenFile: 't' } }),
    {
      error: ConnectionConfigError,
      message: 'kafka.sasl.tokenFile: is not a setting of mechanism scram-sha-512',
      fields: { setting: 'kafka.sasl.tokenFile' },
    },
  ],
  [
    'kafka.sasl of oauthbearer',
    () => checkKafkaClientOptions({ sasl: { mechanism: 'oauthbearer', tokenFile: 't', password: 'p' } }),
    {
      error: ConnectionConfigError,
      message: 'kafka.sasl.password: is not a setting of mechanism oauthbearer',
      fields: { setting: 'kafka.sasl.password' },
    },
  ],
  [
    'database options',
    () => checkDatabaseOptions({ url: 'postgres://h/d', pass: 'x' }, 'mirror.database'),
    {
      error: ConnectionConfigError,
      message: 'mirror.database.pass: unknown key',
      fields: { setting: 'mirror.database.pass', code: 'CONNECTION_CONFIG' },
    },
  ],
  [
    'database.ssl',
    () => checkDatabaseOptions({ ssl: { servername: 'h', mode: 'x' } }),
    {
      error: ConnectionConfigError,
      message: 'database.ssl.mode: unknown key',
      fields: { setting: 'database.ssl.mode' },
    },
  ],
  [
    'topic settings',
    () => resolveTopicSettings({ segmentMs: 1000, segmentMss: 1 } as never, 1),
    { error: InvalidArgumentError, message: "unknown topic setting 'segmentMss'" },
  ],
  [
    'http options under another key',
    () => checkHttpOptions({ host: 'h', hots: 'h' }, 'console'),
    { error: InvalidArgumentError, message: "unknown console option 'hots'" },
  ],
  [
    'server security',
    () => resolveServerSecurity({ insecure: true, bogus: 1 } as never, '127.0.0.1'),
    { error: InvalidArgumentError, message: "unknown security option 'bogus'" },
  ],
  [
    'server security.tls',
    () => resolveServerSecurity({ tls: { key: 'k', cert: 'c', caFile: 'x' } } as never, '127.0.0.1'),
    { error: InvalidArgumentError, message: "unknown security.tls option 'caFile'" },
  ],
  [
    'permissions',
    () => new Permissions({ principals: {}, anonymus: {} } as never),
    { error: InvalidArgumentError, message: "permissions: unknown key 'anonymus'" },
  ],
  [
    'connect options',
    () => resolveConnectOptions({ bootstrap: ['h:1'], space: 'orders', timeout: 5 } as never),
    { error: InvalidArgumentError, message: "unknown connect option 'timeout'" },
  ],
  [
    'connect retry',
    () => resolveConnectOptions({ bootstrap: ['h:1'], space: 'orders', retry: { attempts: 3 } } as never),
    { error: InvalidArgumentError, message: "unknown connect retry option 'attempts'" },
  ],
  [
    "a mirror's retry",
    () => checkMirrorOptions({ space: 'orders', schemas: 'x', retry: { attempts: 3 } } as never),
    { error: InvalidArgumentError, message: "unknown mirror retry option 'attempts'" },
  ],
  [
    'polling container options',
    () => resolvePollingOptions({ name: 'pay', colour: 'red' } as never, typesWithDeadLetters()),
    { error: InvalidArgumentError, message: "unknown polling container option 'colour'" },
  ],
  [
    'polling container backoff',
    () =>
      resolvePollingOptions(
        { name: 'pay', type: 'Order', handler, backoff: { initialMs: 5, initial: 5 } } as never,
        typesWithDeadLetters(),
      ),
    {
      error: InvalidArgumentError,
      message:
        "polling container 'pay': unknown backoff option 'initial' (expected initialMs, maxMs, multiplier)",
      fields: { type: 'Order' },
    },
  ],
  [
    'notify container options',
    () => resolveNotifyOptions({ name: 'totals', handler, batchsize: 3 } as never),
    { error: InvalidArgumentError, message: "unknown notify container option 'batchsize'" },
  ],
  [
    'notify container retry',
    () => resolveNotifyOptions({ name: 'totals', handler, retry: { attempts: 3 } } as never),
    { error: InvalidArgumentError, message: "unknown notify container retry option 'attempts'" },
  ],
  [
    'spacelog attributes',
    () => parseSpacelogAttributes({ id: 'id', idd: 'id' }, fields, 'Thing.avsc'),
    {
      error: SchemaDefinitionError,
      message: 'Thing.avsc: unknown key "spacelog.idd" (expected id, routing, indexes)',
      fields: { file: 'Thing.avsc', field: '', code: 'SCHEMA_DEFINITION' },
    },
  ],
  [
    'an index of the spacelog attributes',
    () =>
      parseSpacelogAttributes(
        { indexes: [{ name: 'byId', unique: true, fields: ['id'], kind: 'equality', sparse: true }] },
        fields,
        'Thing.avsc',
      ),
    {
      error: SchemaDefinitionError,
      message: 'Thing.avsc: index #0 has unknown key "unique"',
      fields: { file: 'Thing.avsc', field: '' },
    },
  ],
];

describe('unknown keys', () => {
  it.each(cases)(
    'in %s are refused with the first unknown key, in the component’s own error',
    (_what, run, want) => {
      const error = thrown(run);
      expect(error).toBeInstanceOf(want.error);
      expect(error.constructor).toBe(want.error);
      expect(error.message).toBe(want.message);
      expect(error).toMatchObject(want.fields ?? {});
    },
  );

  it('in server options are refused before the server binds anything', async () => {
    const error = await SpaceServer.listen({} as never, { port: 0, prot: 1 } as never).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe("unknown server option 'prot'");
  });

  it('in the grid part of a unit wrap the grid’s refusal as their cause', () => {
    const error = thrown(() => resolveUnitOptions({ ...grid, limits: { colour: 1 } } as never, 'unit.json'));
    expect(error.message).toBe("unit.json: unknown limits option 'colour'");
    expect(error.cause).toBeInstanceOf(InvalidArgumentError);
    expect((error.cause as Error).message).toBe("unknown limits option 'colour'");
  });
});
