import * as kafkajs from 'kafkajs';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { databaseHostPort, parseHostPort } from '../../../src/cli/endpointProbe';
import {
  connectionFailureLine,
  databaseUnreachableMessage,
  kafkaUnreachableMessage,
} from '../../../src/cli/reachability';
import { BrokerUnavailableError } from '../../../src/errors';

// kafkajs exports this class at run time but leaves it out of its type declarations.
const { KafkaJSConnectionClosedError } = kafkajs as unknown as {
  KafkaJSConnectionClosedError: new (message: string, where: { host: string; port: number }) => Error;
};

describe('endpoints the CLI probes', () => {
  it('parseHostPort reads host:port, IPv6 in brackets, and refuses anything else', () => {
    expect(parseHostPort('127.0.0.1:9092')).toEqual({ host: '127.0.0.1', port: 9092 });
    expect(parseHostPort('[::1]:9093')).toEqual({ host: '::1', port: 9093 });
    for (const bad of ['kafka', ':9092', 'kafka:0', 'kafka:70000', 'kafka:x']) {
      expect(parseHostPort(bad)).toBeUndefined();
    }
  });

  it('databaseHostPort reads a postgres URL (5432 by default) and skips what TCP cannot check', () => {
    expect(databaseHostPort('postgres://u:secret@db.example:6432/app')).toEqual({
      host: 'db.example',
      port: 6432,
    });
    expect(databaseHostPort('postgresql://127.0.0.1/app')).toEqual({ host: '127.0.0.1', port: 5432 });
    expect(databaseHostPort('postgres://u@localhost/app?host=/var/run/postgresql')).toBeUndefined();
    expect(databaseHostPort('host=localhost dbname=app')).toBeUndefined();
  });
});

describe('one line for an unreachable endpoint', () => {
  it('names each broker, why, and what to do', () => {
    expect(kafkaUnreachableMessage([{ endpoint: '127.0.0.1:9092', reason: 'ECONNREFUSED' }])).toBe(
      "cannot reach Kafka at 127.0.0.1:9092 (ECONNREFUSED): start it with 'spacelog stack up' or pass --brokers",
    );
    expect(
      kafkaUnreachableMessage([
        { endpoint: 'a:1', reason: 'ECONNREFUSED' },
        { endpoint: 'b:2', reason: 'ETIMEDOUT' },
      ]),
    ).toContain('at a:1 (ECONNREFUSED), b:2 (ETIMEDOUT):');
    expect(databaseUnreachableMessage({ endpoint: '127.0.0.1:5432', reason: 'ECONNREFUSED' })).toBe(
      "cannot reach PostgreSQL at 127.0.0.1:5432 (ECONNREFUSED): start it with 'spacelog stack up' or pass --database",
    );
  });

  it('maps a kafkajs connection failure, however wrapped, to the broker it names', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', {
      broker: '127.0.0.1:9092',
      code: 'ECONNREFUSED',
    });
    const exhausted = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 3000 });
    const wrapped = new BrokerUnavailableError('tail: broker gone', { cause: exhausted });
    for (const error of [refused, exhausted, wrapped]) {
      expect(connectionFailureLine(error)).toBe(
        "cannot reach Kafka at 127.0.0.1:9092 (ECONNREFUSED): start it with 'spacelog stack up' or pass --brokers",
      );
    }
    const closed = new KafkaJSConnectionClosedError('Closed connection', { host: 'k1', port: 9092 });
    expect(connectionFailureLine(closed)).toContain('cannot reach Kafka at k1:9092 (connection closed)');
  });

  it('maps a driver connect error to its address and leaves other failures alone', () => {
    const pg = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address: '127.0.0.1',
      port: 5432,
    });
    expect(connectionFailureLine(pg)).toBe('cannot connect to 127.0.0.1:5432 (ECONNREFUSED)');
    expect(connectionFailureLine(new Error('boom'))).toBeUndefined();
    expect(connectionFailureLine(new BrokerUnavailableError('no cause'))).toBeUndefined();
  });
});
