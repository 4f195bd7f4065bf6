import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { kafkaLogCreator, kafkaLogLevelFor } from '../../ops/logging/kafkaLogBridge';
import type { SpacelogLogger } from '../../ops/logging/SpacelogLogger';
import type { OauthBearerProvider, OauthBearerToken } from './KafkaClientOptions';
import { defineSecret, readSecretFile } from './secretSettings';

/** TLS settings with every file read: PEM text only. `key` is non-enumerable (never printed). */
export interface KafkaTls {
  readonly ca?: readonly string[];
  readonly cert?: string;
  readonly key?: string;
  readonly rejectUnauthorized: boolean;
}

/** SASL by user and password; `password` is non-enumerable (never printed). */
export interface KafkaPasswordSasl {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/** OAUTHBEARER with a token file, re-read at each authentication (any thread can do that). */
export interface KafkaTokenFileSasl {
  readonly mechanism: 'oauthbearer';
  readonly tokenFile: string;
}

/** OAUTHBEARER with a callback of the process's main thread. */
export interface KafkaTokenCallbackSasl {
  readonly mechanism: 'oauthbearer';
  readonly oauthBearerProvider: OauthBearerProvider;
}

export type KafkaSasl = KafkaPasswordSasl | KafkaTokenFileSasl | KafkaTokenCallbackSasl;

/**
 * Where Kafka is and how to reach it, resolved from options and environment and checked: the one input
 * of {@link createKafka}. Built by `resolveKafkaConnection`; passing one back to it returns the same.
 */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: KafkaTls;
  readonly sasl?: KafkaSasl;
  /**
   * Where kafkajs's own records go (bridged: its errors and warnings as warnings, its info as debug);
   * absent: kafkajs logs nothing. Not copied to a worker thread's connection.
   */
  readonly logger?: SpacelogLogger;
}

/** Per-use settings of a kafkajs client on top of a connection (a CLI fails fast, a bench names itself). */
export type KafkaTuning = Pick<KafkaConfig, 'clientId' | 'connectionTimeout' | 'requestTimeout' | 'retry'>;

/**
 * The one place Spacelog builds a kafkajs client. kafkajs's own records go to the connection's
 * logger, lowered a level (see `kafkaLogCreator`): its retriable hiccups (a coordinator still
 * loading) surface as Spacelog's typed errors or retries too. Without a logger kafkajs logs nothing.
 * @internal
 */
export function createKafka(connection: KafkaConnection, tuning: KafkaTuning = {}): Kafka {
  return new Kafka(kafkaConfigOf(connection, tuning));
}

/** kafkajs's config for a connection. @internal */
export function kafkaConfigOf(connection: KafkaConnection, tuning: KafkaTuning = {}): KafkaConfig {
  return {
    ...tuning,
    clientId: tuning.clientId ?? connection.clientId,
    brokers: [...connection.brokers],
    ...(connection.logger === undefined
      ? { logLevel: logLevel.NOTHING }
      : { logLevel: kafkaLogLevelFor(connection.logger), logCreator: kafkaLogCreator(connection.logger) }),
    ...(connection.ssl === undefined ? {} : { ssl: tlsOptionsOf(connection.ssl) }),
    ...(connection.sasl === undefined ? {} : { sasl: saslOptionsOf(connection.sasl) }),
  };
}

function tlsOptionsOf(tls: KafkaTls): NonNullable<Exclude<KafkaConfig['ssl'], boolean>> {
  // kafkajs spreads these into tls.connect, so the key has to be an ordinary (enumerable) property here.
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca === undefined ? {} : { ca: [...tls.ca] }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
  };
}

function saslOptionsOf(sasl: KafkaSasl): SASLOptions {
  // Always a fresh object: kafkajs caches its authenticator on the one it is given
  // (`sasl.authenticationProvider`), which must not land in our settings (nor be shared by clients).
  if ('password' in sasl) {
    return defineSecret(
      { mechanism: sasl.mechanism, username: sasl.username },
      'password',
      sasl.password,
    ) as SASLOptions;
  }
  if ('oauthBearerProvider' in sasl) {
    return { mechanism: 'oauthbearer', oauthBearerProvider: sasl.oauthBearerProvider };
  }
  const { tokenFile } = sasl;
  return { mechanism: 'oauthbearer', oauthBearerProvider: () => readTokenFile(tokenFile) };
}

function readTokenFile(path: string): Promise<OauthBearerToken> {
  // Read at every authentication: whatever keeps the file fresh (a sidecar, a projected token) wins.
  return Promise.resolve().then(() => ({ value: readSecretFile(path, 'kafka.sasl.tokenFile') }));
}

/**
 * A one-line description for status lines and errors: brokers, TLS and SASL mechanism and user;
 * never a password, key or token.
 */
export function describeKafkaConnection(connection: KafkaConnection): string {
  const parts = [connection.brokers.join(',')];
  if (connection.ssl !== undefined) {
    parts.push(connection.ssl.rejectUnauthorized ? 'TLS' : 'TLS (certificates not verified)');
  }
  const sasl = connection.sasl;
  if (sasl !== undefined) {
    parts.push(
      'username' in sasl
        ? `SASL ${sasl.mechanism.toUpperCase()} as ${sasl.username}`
        : `SASL OAUTHBEARER (${'tokenFile' in sasl ? 'token file' : 'token callback'})`,
    );
  }
  return parts.join(', ');
}
