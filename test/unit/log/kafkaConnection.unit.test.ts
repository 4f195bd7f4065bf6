import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { checkGridOptions } from '../../../src/cluster/GridConfig';
import { resolveUnitOptions } from '../../../src/cluster/UnitConfig';
import { readUnitConfigFile } from '../../../src/cluster/UnitConfigFile';
import { ConnectionConfigError, UnitConfigError } from '../../../src/errors';
import {
  describeKafkaConnection,
  kafkaConfigOf,
  type KafkaConnection,
} from '../../../src/log/connection/KafkaConnection';
import { resolveKafkaConnection } from '../../../src/log/connection/resolveKafkaConnection';
import { fromWorkerConnection, toWorkerConnection } from '../../../src/log/connection/workerConnection';
import { EXAMPLE_SCHEMAS } from '../../support/gridTestKit';

const CA = '-----BEGIN CERTIFICATE-----\nQ0EgY2VydA==\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nY2xpZW50\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleQ==\n-----END PRIVATE KEY-----\n';
const PASSWORD = 'correct horse battery staple';

let dir: string;
const file = (name: string, content: string): string => {
  const target = path.join(dir, name);
  writeFileSync(target, content, { mode: 0o600 });
  return target;
};
const resolve = (options: Parameters<typeof resolveKafkaConnection>[0], env: NodeJS.ProcessEnv = {}) =>
  resolveKafkaConnection(options, { clientId: 'test', env });
/** The ConnectionConfigError `run` throws (fails the test when it throws none or another). */
const refusal = (run: () => unknown): ConnectionConfigError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectionConfigError);
    return error as ConnectionConfigError;
  }
  throw new Error('expected a ConnectionConfigError');
};

/** The token callback of kafkajs SASL settings (fails the test for any other mechanism). */
const tokenProviderOf = (sasl: unknown): (() => Promise<{ value: string }>) => {
  const provider = (sasl as { oauthBearerProvider?: () => Promise<{ value: string }> }).oauthBearerProvider;
  if (provider === undefined) throw new Error('expected an OAUTHBEARER token callback');
  return provider;
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'spacelog-kafka-conn-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Kafka connection settings', () => {
  it('defaults to the brokers of SPACELOG_KAFKA_BROKERS, else the local stack, with no TLS or SASL', () => {
    expect(resolve(undefined)).toEqual({ brokers: ['127.0.0.1:9092'], clientId: 'test' });
    expect(resolve(undefined, { SPACELOG_KAFKA_BROKERS: ' a:1, b:2 ,' }).brokers).toEqual(['a:1', 'b:2']);
    expect(resolve({ brokers: ['c:3'], clientId: 'mine' }, { SPACELOG_KAFKA_BROKERS: 'a:1' })).toEqual({
      brokers: ['c:3'],
      clientId: 'mine',
    });
  });

  it('reads TLS and SCRAM from the environment: files read, one trailing newline of the password dropped', () => {
    const env = {
      SPACELOG_KAFKA_BROKERS: 'kafka.example.com:9093',
      SPACELOG_KAFKA_SSL_CA_FILE: file('ca.pem', CA),
      SPACELOG_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      SPACELOG_KAFKA_SASL_USERNAME: 'orders-unit',
      SPACELOG_KAFKA_SASL_PASSWORD_FILE: file('password', `${PASSWORD}\n`),
    };
    const connection = resolve(undefined, env);
    expect(connection.ssl).toEqual({ rejectUnauthorized: true, ca: [CA] });
    expect(connection.sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'orders-unit' });
    expect(kafkaConfigOf(connection)).toMatchObject({
      brokers: ['kafka.example.com:9093'],
      ssl: { ca: [CA], rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'orders-unit', password: PASSWORD },
    });
  });

  it('takes SPACELOG_KAFKA_SSL=true alone (Node CA store) and a client certificate with its key for mutual TLS', () => {
    expect(resolve(undefined, { SPACELOG_KAFKA_SSL: 'true' }).ssl).toEqual({ rejectUnauthorized: true });
    const env = {
      SPACELOG_KAFKA_SSL_CERT_FILE: file('client.pem', CERT),
      SPACELOG_KAFKA_SSL_KEY_FILE: file('client.key', KEY),
      SPACELOG_KAFKA_SSL_REJECT_UNAUTHORIZED: 'false',
    };
    const tls = kafkaConfigOf(resolve(undefined, env)).ssl;
    expect(tls).toEqual({ rejectUnauthorized: false, cert: CERT, key: KEY });
  });

  it('lets options win key by key: the config names mechanism and user, the secret comes from the environment', () => {
    const env = {
      SPACELOG_KAFKA_SASL_MECHANISM: 'plain',
      SPACELOG_KAFKA_SASL_USERNAME: 'env-user',
      SPACELOG_KAFKA_SASL_PASSWORD: PASSWORD,
      SPACELOG_KAFKA_SSL_CA_FILE: file('ca.pem', CA),
    };
    const connection = resolve(
      {
        brokers: ['k:9093'],
        ssl: { rejectUnauthorized: false },
        sasl: { mechanism: 'scram-sha-256', username: 'unit' },
      },
      env,
    );
    expect(connection.ssl).toEqual({ rejectUnauthorized: false, ca: [CA] });
    expect(kafkaConfigOf(connection).sasl).toMatchObject({
      mechanism: 'scram-sha-256',
      username: 'unit',
      password: PASSWORD,
    });
    // ssl: false turns the environment's TLS off.
    expect(
      resolve({ ssl: false }, { SPACELOG_KAFKA_SSL_CA_FILE: env.SPACELOG_KAFKA_SSL_CA_FILE }).ssl,
    ).toBeUndefined();
  });

  it('reads ca, cert and key given as PEM text or as file paths', () => {
    const connection = resolve({
      ssl: { ca: [CA, file('ca2.pem', CA)], cert: file('c.pem', CERT), key: KEY },
    });
    expect(kafkaConfigOf(connection).ssl).toEqual({
      rejectUnauthorized: true,
      ca: [CA, CA],
      cert: CERT,
      key: KEY,
    });
  });

  it('refuses unknown keys, wrong types and an unknown mechanism with a ConnectionConfigError naming the setting', () => {
    expect(refusal(() => resolve({ brokerz: ['a:1'] } as never)).setting).toBe('kafka.brokerz');
    expect(refusal(() => resolve({ ssl: { ca: CA, verify: true } as never })).setting).toBe(
      'kafka.ssl.verify',
    );
    expect(refusal(() => resolve({ ssl: 'yes' as never })).setting).toBe('kafka.ssl');
    const mechanism = refusal(() =>
      resolve({ sasl: { mechanism: 'gssapi' as 'plain', username: 'u', password: 'p' } }),
    );
    expect(mechanism.setting).toBe('kafka.sasl.mechanism');
    expect(mechanism.message).toMatch(
      /unknown SASL mechanism "gssapi"; expected one of plain, scram-sha-256, scram-sha-512, oauthbearer/,
    );
    expect(mechanism.code).toBe('CONNECTION_CONFIG');
    expect(mechanism.retriable).toBe(false);
    expect(refusal(() => resolve(undefined, { SPACELOG_KAFKA_SASL_MECHANISM: 'kerberos' })).setting).toBe(
      'SPACELOG_KAFKA_SASL_MECHANISM',
    );
    // A key of another mechanism, two password sources, two token sources.
    expect(refusal(() => resolve({ sasl: { mechanism: 'plain', tokenFile: 'x' } as never })).setting).toBe(
      'kafka.sasl.tokenFile',
    );
    expect(
      refusal(() =>
        resolve({ sasl: { mechanism: 'plain', username: 'u', password: 'p', passwordFile: 'f' } }),
      ).setting,
    ).toBe('kafka.sasl.password');
    expect(
      refusal(() =>
        resolve({
          sasl: {
            mechanism: 'oauthbearer',
            tokenFile: 't',
            oauthBearerProvider: () => Promise.resolve({ value: 'x' }),
          },
        }),
      ).setting,
    ).toBe('kafka.sasl.tokenFile');
  });

  it('refuses missing or contradictory credentials and half a client certificate', () => {
    expect(refusal(() => resolve({ sasl: { mechanism: 'scram-sha-512' } })).message).toMatch(
      /needs a username/,
    );
    expect(refusal(() => resolve({ sasl: { mechanism: 'scram-sha-512', username: 'u' } })).message).toMatch(
      /no password/,
    );
    const both = { SPACELOG_KAFKA_SASL_PASSWORD: 'a', SPACELOG_KAFKA_SASL_PASSWORD_FILE: file('p', 'b') };
    expect(refusal(() => resolve({ sasl: { mechanism: 'plain', username: 'u' } }, both)).setting).toBe(
      'SPACELOG_KAFKA_SASL_PASSWORD',
    );
    expect(refusal(() => resolve(undefined, { SPACELOG_KAFKA_SASL_USERNAME: 'u' })).setting).toBe(
      'SPACELOG_KAFKA_SASL_MECHANISM',
    );
    expect(refusal(() => resolve({ ssl: { cert: CERT } })).setting).toBe('kafka.ssl.key');
    expect(
      refusal(() =>
        resolve(undefined, { SPACELOG_KAFKA_SSL: 'false', SPACELOG_KAFKA_SSL_CA_FILE: file('ca', CA) }),
      ).setting,
    ).toBe('SPACELOG_KAFKA_SSL');
    expect(refusal(() => resolve({ sasl: { mechanism: 'oauthbearer' } })).message).toMatch(
      /OAUTHBEARER needs a token/,
    );
  });

  it('refuses an unreadable or non-PEM file by setting and path, without its content', () => {
    const missing = refusal(() =>
      resolve(undefined, { SPACELOG_KAFKA_SSL_CA_FILE: path.join(dir, 'nope.pem') }),
    );
    expect(missing.setting).toBe('SPACELOG_KAFKA_SSL_CA_FILE');
    expect(missing.message).toMatch(/cannot read .*nope\.pem: ENOENT/);
    const notPem = refusal(() => resolve({ ssl: { ca: file('ca.txt', 'hunter2-not-a-certificate') } }));
    expect(notPem.message).toMatch(/holds no PEM block/);
    expect(notPem.message).not.toContain('hunter2');
    expect(
      refusal(() =>
        resolve({ sasl: { mechanism: 'plain', username: 'u', passwordFile: file('empty', '\n') } }),
      ).message,
    ).toMatch(/is empty/);
  });

  it('refuses PLAIN and OAUTHBEARER secrets in clear text to a remote broker; SCRAM and loopback brokers pass', () => {
    const plain = { mechanism: 'plain', username: 'u', password: PASSWORD } as const;
    const error = refusal(() => resolve({ brokers: ['kafka.example.com:9092'], sasl: plain }));
    expect(error.message).toMatch(/PLAIN would send the secret in clear text to kafka\.example\.com:9092/);
    expect(error.message).not.toContain(PASSWORD);
    const token = { mechanism: 'oauthbearer', tokenFile: file('token', 'eyJ.x.y') } as const;
    expect(refusal(() => resolve({ brokers: ['10.0.0.5:9092'], sasl: token })).setting).toBe('kafka.ssl');
    for (const brokers of [['127.0.0.1:9092'], ['localhost:9092'], ['[::1]:9092']]) {
      expect(resolve({ brokers, sasl: plain }).sasl?.mechanism).toBe('plain');
    }
    expect(
      resolve({ brokers: ['kafka.example.com:9092'], sasl: { ...plain, mechanism: 'scram-sha-256' } }).sasl,
    ).toBeDefined();
    expect(resolve({ brokers: ['kafka.example.com:9093'], ssl: true, sasl: plain }).sasl).toBeDefined();
  });

  it('refuses PLAIN over TLS that does not verify the broker (rejectUnauthorized: false) to a remote broker', () => {
    const plain = { mechanism: 'plain', username: 'u', password: PASSWORD } as const;
    const unverified = { rejectUnauthorized: false };
    const error = refusal(() =>
      resolve({ brokers: ['kafka.example.com:9093'], ssl: unverified, sasl: plain }),
    );
    expect(error.message).toMatch(/to whoever answers for kafka\.example\.com:9093.*ssl\.ca/);
    expect(error.setting).toBe('kafka.ssl');
    expect(resolve({ brokers: ['127.0.0.1:9093'], ssl: unverified, sasl: plain }).sasl).toBeDefined();
    const scram = { ...plain, mechanism: 'scram-sha-512' } as const;
    expect(resolve({ brokers: ['kafka.example.com:9093'], ssl: unverified, sasl: scram }).sasl).toBeDefined();
  });

  it('never shows the password or the private key when the resolved settings are printed or described', () => {
    const connection = resolve({
      brokers: ['k:9093'],
      ssl: { ca: CA, cert: CERT, key: KEY },
      sasl: { mechanism: 'scram-sha-512', username: 'orders-unit', password: PASSWORD },
    });
    for (const text of [
      JSON.stringify(connection),
      inspect(connection, { depth: 5 }),
      String(describeKafkaConnection(connection)),
    ]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('c2VjcmV0LWtleQ');
    }
    expect(describeKafkaConnection(connection)).toBe('k:9093, TLS, SASL SCRAM-SHA-512 as orders-unit');
  });

  it('resolves a resolved connection to the same settings (what the grid hands its mirror)', () => {
    const connection = resolve({
      ssl: { ca: CA, cert: CERT, key: KEY },
      sasl: { mechanism: 'plain', username: 'u', passwordFile: file('p', PASSWORD) },
    });
    const again = resolveKafkaConnection(connection, { clientId: 'other', env: {} });
    expect(kafkaConfigOf(again)).toEqual(kafkaConfigOf(connection));
  });

  it('hands kafkajs a fresh sasl object: the authenticator kafkajs caches on it stays out of the settings', () => {
    // Regression: kafkajs sets sasl.authenticationProvider on the object it is given, which then failed
    // the key check when the grid handed its connection to its mirror.
    const connection = resolve({ sasl: { mechanism: 'scram-sha-512', username: 'u', password: PASSWORD } });
    const given = kafkaConfigOf(connection).sasl as unknown as Record<string, unknown>;
    given.authenticationProvider = () => undefined;
    expect(Object.keys(connection.sasl ?? {})).toEqual(['mechanism', 'username']);
    expect(() => resolveKafkaConnection(connection, { clientId: 'mirror', env: {} })).not.toThrow();
    expect(given.password).toBe(PASSWORD);
  });

  it('re-reads an OAUTHBEARER token file at each authentication', async () => {
    const tokenFile = file('token', 'first-token\n');
    const sasl = kafkaConfigOf(
      resolve(undefined, {
        SPACELOG_KAFKA_SASL_MECHANISM: 'oauthbearer',
        SPACELOG_KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: tokenFile,
      }),
    ).sasl;
    const provider = tokenProviderOf(sasl);
    expect(await provider()).toEqual({ value: 'first-token' });
    writeFileSync(tokenFile, 'rotated-token');
    expect(await provider()).toEqual({ value: 'rotated-token' });
  });

  it('crosses to a worker thread as plain data: secrets kept, a token callback replaced by a request to the parent', async () => {
    const passworded = resolve({
      ssl: { ca: CA, cert: CERT, key: KEY },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: PASSWORD },
    });
    const cloned = structuredClone(toWorkerConnection(passworded));
    const rebuilt = fromWorkerConnection(cloned, () => Promise.reject(new Error('not asked')));
    expect(kafkaConfigOf(rebuilt)).toEqual(kafkaConfigOf(passworded));
    expect(JSON.stringify(rebuilt)).not.toContain(PASSWORD);

    const callback: KafkaConnection = resolve({
      sasl: {
        mechanism: 'oauthbearer',
        oauthBearerProvider: () => Promise.resolve({ value: 'main-thread-token' }),
      },
    });
    const data = structuredClone(toWorkerConnection(callback));
    expect(data.sasl).toEqual({ mechanism: 'oauthbearer', tokenFromParent: true });
    const asked: string[] = [];
    const inWorker = kafkaConfigOf(
      fromWorkerConnection(data, () => {
        asked.push('token');
        return Promise.resolve({ value: 'relayed' });
      }),
    ).sasl;
    expect(await tokenProviderOf(inWorker)()).toEqual({ value: 'relayed' });
    expect(asked).toEqual(['token']);
  });

  it('is checked with the grid options and reported by a unit config with its file', () => {
    const base = { space: 'orders', partitions: 2, schemas: EXAMPLE_SCHEMAS };
    expect(() =>
      checkGridOptions({ ...base, kafka: { brokers: ['a:1'], replicationFactor: 3, ssl: true } }),
    ).not.toThrow();
    expect(() => checkGridOptions({ ...base, kafka: { sasl: { mechanism: 'md5' as 'plain' } } })).toThrow(
      ConnectionConfigError,
    );
    expect(() => checkGridOptions({ ...base, kafka: { tls: true } as never })).toThrow(
      /kafka\.tls: unknown key/,
    );
    expect(() => resolveUnitOptions({ ...base, kafka: { tls: true } as never }, 'unit.json')).toThrow(
      UnitConfigError,
    );
  });

  it('makes the files of kafka.ssl and kafka.sasl in a unit config file relative to it', () => {
    const config = file(
      'unit.json',
      JSON.stringify({
        space: 'orders',
        partitions: 2,
        schemas: 'schemas',
        kafka: {
          ssl: { ca: ['tls/ca.pem', CA], cert: '/etc/tls/client.pem', key: 'tls/client.key' },
          sasl: { mechanism: 'scram-sha-512', username: 'u', passwordFile: 'secrets/kafka-password' },
        },
      }),
    );
    const { kafka } = readUnitConfigFile(config).options;
    expect(kafka?.ssl).toEqual({
      ca: [path.join(dir, 'tls/ca.pem'), CA],
      cert: '/etc/tls/client.pem',
      key: path.join(dir, 'tls/client.key'),
    });
    expect(kafka?.sasl).toMatchObject({ passwordFile: path.join(dir, 'secrets/kafka-password') });
  });
});
