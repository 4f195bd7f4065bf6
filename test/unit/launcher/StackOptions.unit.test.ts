import path from 'node:path';
import {
  parseBrokerCount,
  parseBrokerList,
  redactUrl,
  resolveStackOptions,
} from '../../../docker/launcher/StackOptions';
import { DEFAULT_KAFKA_VERSION } from '../../../docker/launcher/kafkaVersions';
import { StackError } from '../../../src/errors/stack';

describe('resolveStackOptions', () => {
  it('defaults to one broker and a cache under the home folder, with no configured endpoints', () => {
    const options = resolveStackOptions({}, {}, '/home/ada');
    expect(options).toMatchObject({
      brokers: 1,
      cacheDir: '/home/ada/.cache/spacelog',
      stateDir: '/home/ada/.cache/spacelog/stack',
      kafkaVersion: DEFAULT_KAFKA_VERSION,
      kafkaVersionRequested: false,
      kafkaLibsDir: `/home/ada/.cache/spacelog/kafka-${DEFAULT_KAFKA_VERSION}/libs`,
      brokerPortBase: 9092,
      controllerPortBase: 9192,
      heap: '512m',
    });
    expect(options.configuredKafkaBrokers).toBeUndefined();
    expect(options.configuredDatabaseUrl).toBeUndefined();
  });

  it('reads SPACELOG_CACHE_DIR, SPACELOG_KAFKA_BROKERS and SPACELOG_DATABASE_URL', () => {
    const options = resolveStackOptions(
      { brokers: 3 },
      {
        SPACELOG_CACHE_DIR: 'relative/cache',
        SPACELOG_KAFKA_BROKERS: ' kafka-a:9092, kafka-b:9093 ,',
        SPACELOG_DATABASE_URL: 'postgresql://app:secret@db:5432/app',
      },
      '/home/ada',
    );
    expect(options.brokers).toBe(3);
    expect(options.cacheDir).toBe(path.resolve('relative/cache'));
    expect(options.configuredKafkaBrokers).toEqual(['kafka-a:9092', 'kafka-b:9093']);
    expect(options.configuredDatabaseUrl).toBe('postgresql://app:secret@db:5432/app');
  });

  it('lets an explicit cacheDir beat the environment, and ignores blank variables', () => {
    const options = resolveStackOptions(
      { cacheDir: '/tmp/explicit' },
      { SPACELOG_CACHE_DIR: '/tmp/env', SPACELOG_KAFKA_BROKERS: '  ', SPACELOG_DATABASE_URL: '' },
      '/home/ada',
    );
    expect(options.cacheDir).toBe('/tmp/explicit');
    expect(options.configuredKafkaBrokers).toBeUndefined();
    expect(options.configuredDatabaseUrl).toBeUndefined();
  });

  it.each([0, 6, 1.5, -1])('refuses %p brokers', (brokers) => {
    expect(() => resolveStackOptions({ brokers }, {}, '/h')).toThrow(StackError);
  });

  it('takes a requested Kafka version, with its own jar folder, and refuses one it does not run', () => {
    const options = resolveStackOptions({ kafkaVersion: '3.9.1' }, {}, '/home/ada');
    expect(options).toMatchObject({
      kafkaVersion: '3.9.1',
      kafkaVersionRequested: true,
      kafkaLibsDir: '/home/ada/.cache/spacelog/kafka-3.9.1/libs',
    });
    expect(() => resolveStackOptions({ kafkaVersion: '2.8.2' }, {}, '/h')).toThrow(
      expect.objectContaining({ code: 'STACK_BAD_CONFIG' }),
    );
  });

  it('refuses a non-positive start timeout', () => {
    expect(() => resolveStackOptions({ startTimeoutMs: 0 }, {}, '/h')).toThrow(/startTimeoutMs/);
  });
});

describe('parseBrokerList', () => {
  it('accepts host:port items', () => {
    expect(parseBrokerList('127.0.0.1:9092,[::1]:9093,kafka:29092')).toEqual([
      '127.0.0.1:9092',
      '[::1]:9093',
      'kafka:29092',
    ]);
  });

  it.each(['', ',', 'localhost', 'localhost:', 'localhost:99999', 'a:1,b'])('refuses %p', (value) => {
    expect(() => parseBrokerList(value)).toThrow(expect.objectContaining({ code: 'STACK_BAD_CONFIG' }));
  });
});

describe('parseBrokerCount', () => {
  it('parses 1 and 3', () => {
    expect(parseBrokerCount('1')).toBe(1);
    expect(parseBrokerCount(' 3 ')).toBe(3);
  });

  it.each(['0', '6', 'three', '2.5', '-1', ''])('refuses %p', (value) => {
    expect(() => parseBrokerCount(value)).toThrow(/--brokers must be an integer from 1 to 5/);
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgresql://app:s3cret@db:5432/app')).toBe('postgresql://app:***@db:5432/app');
  });

  it('hides a password given as a query parameter too', () => {
    expect(redactUrl('postgresql://app@db:5432/app?sslmode=require&password=s3cret')).toBe(
      'postgresql://app@db:5432/app?sslmode=require&password=***',
    );
  });

  it('leaves a URL without password alone', () => {
    expect(redactUrl('postgresql://postgres@127.0.0.1:5432/postgres')).toBe(
      'postgresql://postgres@127.0.0.1:5432/postgres',
    );
  });
});
