import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { KafkaConfig } from 'kafkajs';
import type { Knex } from 'knex';
import { DEFAULT_PROBE_TIMEOUT_MS } from '../../../src/cli/endpointProbe';
import { GRID_KAFKA_KEYS } from '../../../src/cluster/GridConfig';
import { ConnectionConfigError } from '../../../src/errors';
import type { KafkaClientOptions } from '../../../src/log/connection/KafkaClientOptions';
import { kafkaConfigOf, type KafkaConnection } from '../../../src/log/connection/KafkaConnection';
import { KAFKA_CLIENT_IDS, KAFKA_TUNINGS, kafkaOn, openKafka } from '../../../src/log/connection/openKafka';
import { resolveKafkaConnection } from '../../../src/log/connection/resolveKafkaConnection';
import { GridMirror } from '../../../src/mirror/GridMirror';
import { checkGridMirrorOptions } from '../../../src/mirror/MirrorConfig';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { CapturingLogger } from '../../support/capturingLogger';
import { EXAMPLE_SCHEMAS } from '../../support/gridTestKit';

// Every kafkajs client built records its config here (the client itself is kafkajs's own).
const mockBuilt: KafkaConfig[] = [];
jest.mock('kafkajs', () => {
  const actual = jest.requireActual<typeof import('kafkajs')>('kafkajs');
  return {
    ...actual,
    Kafka: class extends actual.Kafka {
      constructor(config: KafkaConfig) {
        super(config);
        mockBuilt.push(config);
      }
    },
  };
});

/** The config of the one kafkajs client `build` makes. */
const configOf = (build: () => unknown): KafkaConfig => {
  mockBuilt.length = 0;
  build();
  expect(mockBuilt).toHaveLength(1);
  return mockBuilt[0]!;
};

const PASSWORD = 'correct horse battery staple';
const ENV = {} as NodeJS.ProcessEnv;
const OPTIONS: KafkaClientOptions = {
  brokers: ['127.0.0.1:9092'],
  sasl: { mechanism: 'scram-sha-512', username: 'orders-unit', password: PASSWORD },
};
/** The settings of the CLI's clients and of the console as they were written before `KAFKA_TUNINGS`. */
const OLD_CLI_TUNING = {
  connectionTimeout: DEFAULT_PROBE_TIMEOUT_MS,
  retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 },
};
const OLD_CONSOLE_TUNING = {
  connectionTimeout: 3000,
  retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
};
const logger = new CapturingLogger();
const resolve = (options: KafkaClientOptions | undefined, clientId: string): KafkaConnection =>
  resolveKafkaConnection(options, { clientId, env: ENV });
/** Options rebuilt from a resolved connection, as GridMirror, ConsoleTail and `spacelog tail` did. */
const asOptions = ({ brokers, ssl, sasl }: KafkaConnection): KafkaClientOptions => ({
  brokers,
  ...(ssl === undefined ? {} : { ssl }),
  ...(sasl === undefined ? {} : { sasl }),
});

/** The config without the logCreator (a fresh closure per client), and whether it had one. */
const comparable = (config: KafkaConfig): Record<string, unknown> => {
  const { logCreator, ...rest } = config;
  return { ...rest, logs: logCreator !== undefined };
};

interface Use {
  readonly use: string;
  /** kafkajs's config as the caller built it before openKafka. */
  readonly before: () => KafkaConfig;
  /** What the caller asks of openKafka or kafkaOn now. */
  readonly now: () => unknown;
  readonly clientId: string;
}

/** A grid's connection, as openKafka hands it back (without building a client here). */
const grid = (): KafkaConnection => ({ ...resolve(OPTIONS, 'spacelog-orders'), logger });

const USES: readonly Use[] = [
  {
    use: 'grid / unit (SpaceSetup)',
    before: () =>
      kafkaConfigOf({
        ...resolveKafkaConnection(OPTIONS, {
          clientId: 'spacelog-orders',
          extraKeys: GRID_KAFKA_KEYS,
          env: ENV,
        }),
        logger,
      }),
    now: () =>
      openKafka(OPTIONS, {
        clientId: KAFKA_CLIENT_IDS.space('orders'),
        extraKeys: GRID_KAFKA_KEYS,
        logger,
        env: ENV,
      }),
    clientId: 'spacelog-orders',
  },
  {
    use: "warm-up worker (the grid's connection, its client id)",
    before: () => kafkaConfigOf(resolve(OPTIONS, 'spacelog-orders')),
    now: () => {
      const connection = resolve(OPTIONS, 'spacelog-orders');
      return kafkaOn(connection, { clientId: connection.clientId });
    },
    clientId: 'spacelog-orders',
  },
  {
    use: 'mirror projector (its own options)',
    before: () => kafkaConfigOf({ ...resolve(OPTIONS, 'spacelog-mirror-orders'), logger }),
    now: () => openKafka(OPTIONS, { clientId: KAFKA_CLIENT_IDS.mirror('orders'), logger, env: ENV }),
    clientId: 'spacelog-mirror-orders',
  },
  {
    use: "grid mirror (the grid's connection)",
    before: () => kafkaConfigOf({ ...resolve(asOptions(grid()), 'spacelog-mirror-orders'), logger }),
    now: () => kafkaOn(grid(), { clientId: KAFKA_CLIENT_IDS.mirror('orders'), logger }),
    clientId: 'spacelog-mirror-orders',
  },
  {
    use: 'MutationDecoder.create',
    before: () => kafkaConfigOf(resolve(OPTIONS, 'spacelog-decoder')),
    now: () => openKafka(OPTIONS, { clientId: KAFKA_CLIENT_IDS.decoder, env: ENV }),
    clientId: 'spacelog-decoder',
  },
  {
    use: 'decoder of the console and of tail (their connection)',
    before: () => kafkaConfigOf(resolve(asOptions(resolve(OPTIONS, 'spacelog-tail')), 'spacelog-decoder')),
    now: () => kafkaOn(resolve(OPTIONS, 'spacelog-tail'), { clientId: KAFKA_CLIENT_IDS.decoder }),
    clientId: 'spacelog-decoder',
  },
  {
    use: 'console',
    before: () => kafkaConfigOf(resolve(OPTIONS, 'spacelog-console'), OLD_CONSOLE_TUNING),
    now: () => openKafka(OPTIONS, { clientId: KAFKA_CLIENT_IDS.console, tuning: 'console', env: ENV }),
    clientId: 'spacelog-console',
  },
  {
    use: 'spacelog tail',
    before: () => kafkaConfigOf(resolve(OPTIONS, 'spacelog-tail'), OLD_CLI_TUNING),
    now: () => openKafka(OPTIONS, { clientId: KAFKA_CLIENT_IDS.tail, tuning: 'command', env: ENV }),
    clientId: 'spacelog-tail',
  },
  {
    use: 'spacelog mirror status',
    before: () => kafkaConfigOf(resolve(OPTIONS, 'spacelog-mirror-status'), OLD_CLI_TUNING),
    now: () => openKafka(OPTIONS, { clientId: KAFKA_CLIENT_IDS.mirrorStatus, tuning: 'command', env: ENV }),
    clientId: 'spacelog-mirror-status',
  },
  {
    use: "readMirrorStatus (the command's connection)",
    before: () =>
      kafkaConfigOf(resolve(resolve(OPTIONS, 'spacelog-mirror-status'), 'spacelog-mirror-status')),
    now: () =>
      kafkaOn(resolve(OPTIONS, 'spacelog-mirror-status'), { clientId: KAFKA_CLIENT_IDS.mirrorStatus }),
    clientId: 'spacelog-mirror-status',
  },
  {
    use: 'spacelog verify',
    before: () => kafkaConfigOf(resolve(OPTIONS, 'spacelog-verify-orders')),
    now: () => openKafka(OPTIONS, { clientId: KAFKA_CLIENT_IDS.verify('orders'), env: ENV }),
    clientId: 'spacelog-verify-orders',
  },
  {
    use: 'cluster status',
    before: () => kafkaConfigOf(resolve(OPTIONS, 'spacelog-status')),
    now: () => openKafka(OPTIONS, { clientId: KAFKA_CLIENT_IDS.status, env: ENV }),
    clientId: 'spacelog-status',
  },
  {
    use: 'spacelog acl --apply',
    before: () =>
      kafkaConfigOf(resolveKafkaConnection(OPTIONS, { clientId: 'spacelog-acl', path: 'acl', env: {} })),
    now: () => openKafka(OPTIONS, { clientId: KAFKA_CLIENT_IDS.acl, path: 'acl', env: {} }),
    clientId: 'spacelog-acl',
  },
  {
    use: 'demo',
    before: () => kafkaConfigOf(resolve(OPTIONS, 'spacelog-demo')),
    now: () => openKafka(OPTIONS, { clientId: KAFKA_CLIENT_IDS.demo, env: ENV }),
    clientId: 'spacelog-demo',
  },
];

describe('openKafka: one factory, each use as before', () => {
  it.each(USES)('$use: the same kafkajs config as before', ({ before, now, clientId }) => {
    const built = configOf(now);
    expect(comparable(built)).toEqual(comparable(before()));
    expect(built.clientId).toBe(clientId);
    const sasl = built.sasl as unknown as Record<string, unknown>;
    expect(sasl.password).toBe(PASSWORD);
  });

  it("the tunings: kafkajs's defaults, the CLI's old literal, the console's", () => {
    expect(KAFKA_TUNINGS.service).toEqual({});
    expect(KAFKA_TUNINGS.command).toEqual(OLD_CLI_TUNING);
    expect(KAFKA_TUNINGS.console).toEqual(OLD_CONSOLE_TUNING);
    const service = configOf(() => openKafka(OPTIONS, { clientId: 'x', env: ENV }));
    expect(service.connectionTimeout).toBeUndefined();
    expect(service.retry).toBeUndefined();
  });

  it('kafka.clientId still wins over the use', () => {
    const options = { ...OPTIONS, clientId: 'mine' };
    for (const tuning of ['service', 'command', 'console'] as const) {
      const { connection } = openKafka(options, { clientId: KAFKA_CLIENT_IDS.tail, tuning, env: ENV });
      expect(connection.clientId).toBe('mine');
      expect(
        configOf(() => openKafka(options, { clientId: 'spacelog-tail', tuning, env: ENV })).clientId,
      ).toBe('mine');
    }
    // A grid's own mirror went by its own id whatever the grid's kafka.clientId, and still does.
    const gridConnection = openKafka(options, {
      clientId: KAFKA_CLIENT_IDS.space('orders'),
      env: ENV,
    }).connection;
    expect(
      configOf(() => kafkaOn(gridConnection, { clientId: KAFKA_CLIENT_IDS.mirror('orders') })).clientId,
    ).toBe('spacelog-mirror-orders');
  });

  it('refuses bad settings once, as resolveKafkaConnection does, with the same message and setting', () => {
    const cases: [KafkaClientOptions, { path?: string; env?: NodeJS.ProcessEnv }][] = [
      [
        { brokers: ['kafka.example.com:9092'], sasl: { mechanism: 'plain', username: 'u', password: 'p' } },
        {},
      ],
      [{ brokers: ['a:1'], topcis: {} } as KafkaClientOptions, { path: 'mirror.kafka' }],
      [{ brokers: ['a:1'], sasl: { mechanism: 'scram-sha-256', username: 'u' } }, { path: 'acl' }],
    ];
    for (const [options, context] of cases) {
      const expected = captured(() =>
        resolveKafkaConnection(options, { clientId: 'c', env: ENV, ...context }),
      );
      mockBuilt.length = 0;
      const got = captured(() => openKafka(options, { clientId: 'c', env: ENV, ...context }));
      expect(got).toBeInstanceOf(ConnectionConfigError);
      expect(got.message).toBe(expected.message);
      expect(got.setting).toBe(expected.setting);
      expect(mockBuilt).toHaveLength(0);
    }
  });

  it('kafkaOn takes a connection with a logger and SASL as it is, and never shows the password', () => {
    const connection = openKafka(OPTIONS, { clientId: 'spacelog-orders', logger, env: ENV }).connection;
    expect(connection.logger).toBe(logger);
    const other = new CapturingLogger();
    const cases = [
      { use: { clientId: 'a' }, logger },
      { use: { clientId: 'b', logger: other }, logger: other },
    ];
    for (const { use, logger: expected } of cases) {
      const opened = kafkaOn(connection, use);
      expect(opened.connection).toMatchObject({ brokers: OPTIONS.brokers, clientId: use.clientId });
      expect(opened.connection.logger).toBe(expected);
      expect(opened.connection.sasl).toBe(connection.sasl);
      expect((opened.connection.sasl as { password: string }).password).toBe(PASSWORD);
      for (const shown of [JSON.stringify(opened.connection), JSON.stringify(opened.kafka)]) {
        expect(shown).not.toContain(PASSWORD);
      }
    }
    const built = configOf(() => kafkaOn(connection, { clientId: 'c' }));
    expect(built.logCreator).toBeDefined();
    expect(JSON.stringify(built)).not.toContain(PASSWORD);
    expect((built.sasl as unknown as { password: string }).password).toBe(PASSWORD);
    expect(JSON.stringify(connection)).not.toContain(PASSWORD);
  });

  it("a grid's mirror gets the grid's connection as it is (not resolved again), under its own id and logger", () => {
    const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
    const { connection } = openKafka(OPTIONS, {
      clientId: KAFKA_CLIENT_IDS.space('orders'),
      logger,
      env: ENV,
    });
    const mirrorLogger = new CapturingLogger();
    const built = configOf(
      () =>
        new GridMirror(
          checkGridMirrorOptions({ database: (() => undefined) as unknown as Knex, logger: mirrorLogger })!,
          'orders',
          types,
          {
            prefix: 'p',
            connection,
            logger,
          },
        ),
    );
    expect(comparable(built)).toEqual(
      comparable(
        kafkaConfigOf({ ...resolve(asOptions(connection), 'spacelog-mirror-orders'), logger: mirrorLogger }),
      ),
    );
    expect((built.sasl as unknown as { password: string }).password).toBe(PASSWORD);
    expect(JSON.stringify(built)).not.toContain(PASSWORD);
  });
});

describe('one place builds kafkajs clients', () => {
  const root = path.resolve(__dirname, '../../..');
  // Files not committed yet count too (a new file is where a second factory would start).
  const sources = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'src'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => file.endsWith('.ts') && existsSync(path.join(root, file)))
    .sort();

  const filesWith = (pattern: RegExp): string[] =>
    sources.filter((file) => pattern.test(readFileSync(path.join(root, file), 'utf8')));

  it('`new Kafka(` only in KafkaConnection.ts', () => {
    expect(sources.length).toBeGreaterThan(100);
    expect(filesWith(/new Kafka\(/)).toEqual(['src/log/connection/KafkaConnection.ts']);
  });

  it('`createKafka(` called only in openKafka.ts', () => {
    expect(filesWith(/(?<!function )\bcreateKafka\(/)).toEqual(['src/log/connection/openKafka.ts']);
  });
});

function captured(run: () => unknown): ConnectionConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectionConfigError);
    return error as ConnectionConfigError;
  }
  throw new Error('expected a ConnectionConfigError');
}
