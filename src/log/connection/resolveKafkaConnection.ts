import { ConnectionConfigError } from '../../errors/connection';
import {
  KAFKA_CLIENT_KEYS,
  KAFKA_SASL_MECHANISMS,
  type KafkaClientOptions,
  type KafkaOauthBearerSaslOptions,
  type KafkaPasswordSaslOptions,
  type KafkaSaslMechanism,
  type KafkaTlsOptions,
  type OauthBearerProvider,
} from './KafkaClientOptions';
import type { KafkaConnection, KafkaSasl, KafkaTls } from './KafkaConnection';
import { envValue, kafkaBrokersFromEnv } from './kafkaEnvironment';
import { isLoopbackAddress } from '../../config/loopback';
import { optionKeys, rejectUnknownKeys } from '../../config/optionKeys';
import { defineSecret, parseBooleanSetting, readPem, readSecretFile } from './secretSettings';

/** How a component resolves its Kafka settings. */
export interface KafkaResolveContext {
  /** Client id when the options name none, e.g. `spacelog-orders`. */
  readonly clientId: string;
  /** Where the options sit, for messages: `kafka` (default), `mirror.kafka`. */
  readonly path?: string;
  /** Keys the component accepts besides brokers, clientId, ssl and sasl (e.g. the grid's `topics`). */
  readonly extraKeys?: Iterable<string>;
  /** Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

const TLS_KEYS = optionKeys<KafkaTlsOptions>({ ca: true, cert: true, key: true, rejectUnauthorized: true });
const PASSWORD_SASL_KEYS = optionKeys<KafkaPasswordSaslOptions>({
  mechanism: true,
  username: true,
  password: true,
  passwordFile: true,
});
const TOKEN_SASL_KEYS = optionKeys<KafkaOauthBearerSaslOptions>({
  mechanism: true,
  oauthBearerProvider: true,
  tokenFile: true,
});

/**
 * Checks the shape of `kafka` options without reading files or the environment: unknown keys (also
 * inside `ssl` and `sasl`), wrong types, an unknown SASL mechanism, keys of another mechanism, and
 * contradictions (`password` with `passwordFile`). For option checks at start (`checkGridOptions`).
 */
export function checkKafkaClientOptions(
  options: unknown,
  path = 'kafka',
  extraKeys: Iterable<string> = [],
): asserts options is KafkaClientOptions | undefined {
  if (options === undefined) return;
  const refusal = (setting: string, message: string): ConnectionConfigError =>
    new ConnectionConfigError(`${setting}: ${message}`, setting);
  const fail = (setting: string, message: string): never => {
    throw refusal(setting, message);
  };
  if (!isRecord(options)) fail(path, 'must be an object');
  const record = options as Record<string, unknown>;
  const known = new Set([...KAFKA_CLIENT_KEYS, ...extraKeys]);
  rejectUnknownKeys(record, known, (key) => refusal(`${path}.${key}`, 'unknown key'));
  const { brokers, clientId, ssl, sasl } = record;
  if (brokers !== undefined) {
    if (!Array.isArray(brokers) || brokers.length === 0 || !brokers.every(isNonEmptyString)) {
      fail(`${path}.brokers`, 'must be a non-empty list of host:port strings');
    }
  }
  if (clientId !== undefined && !isNonEmptyString(clientId))
    fail(`${path}.clientId`, 'must be a non-empty string');
  if (ssl !== undefined && typeof ssl !== 'boolean') {
    if (!isRecord(ssl)) fail(`${path}.ssl`, 'must be true, false or { ca, cert, key, rejectUnauthorized }');
    const tls = ssl as Record<string, unknown>;
    rejectUnknownKeys(tls, TLS_KEYS, (key) => refusal(`${path}.ssl.${key}`, 'unknown key'));
    const ca = tls.ca;
    if (ca !== undefined && !isNonEmptyString(ca) && !(Array.isArray(ca) && ca.every(isNonEmptyString))) {
      fail(`${path}.ssl.ca`, 'must be PEM text or a file path, or a list of them');
    }
    for (const key of ['cert', 'key'] as const) {
      if (tls[key] !== undefined && !isNonEmptyString(tls[key])) {
        fail(`${path}.ssl.${key}`, 'must be PEM text or a file path');
      }
    }
    if (tls.rejectUnauthorized !== undefined && typeof tls.rejectUnauthorized !== 'boolean') {
      fail(`${path}.ssl.rejectUnauthorized`, 'must be true or false');
    }
  }
  if (sasl !== undefined) {
    if (!isRecord(sasl)) fail(`${path}.sasl`, 'must be an object with a mechanism');
    const saslRecord = sasl as Record<string, unknown>;
    const mechanism = parseMechanism(saslRecord.mechanism, `${path}.sasl.mechanism`);
    const allowed = mechanism === 'oauthbearer' ? TOKEN_SASL_KEYS : PASSWORD_SASL_KEYS;
    rejectUnknownKeys(saslRecord, allowed, (key) =>
      refusal(`${path}.sasl.${key}`, `is not a setting of mechanism ${mechanism}`),
    );
    for (const key of ['username', 'password', 'passwordFile', 'tokenFile']) {
      if (saslRecord[key] !== undefined && !isNonEmptyString(saslRecord[key])) {
        fail(`${path}.sasl.${key}`, 'must be a non-empty string');
      }
    }
    if (saslRecord.password !== undefined && saslRecord.passwordFile !== undefined) {
      fail(`${path}.sasl.password`, 'give password or passwordFile, not both');
    }
    if (
      saslRecord.oauthBearerProvider !== undefined &&
      typeof saslRecord.oauthBearerProvider !== 'function'
    ) {
      fail(`${path}.sasl.oauthBearerProvider`, 'must be a function returning Promise<{ value: token }>');
    }
    if (saslRecord.oauthBearerProvider !== undefined && saslRecord.tokenFile !== undefined) {
      fail(`${path}.sasl.tokenFile`, 'give oauthBearerProvider or tokenFile, not both');
    }
  }
}

/**
 * Resolves a component's Kafka settings: options first, key by key, then the environment
 * (`KAFKA_ENVIRONMENT`), then defaults; reads the certificate, key and password files; and refuses
 * what cannot work or would expose a secret, with a {@link ConnectionConfigError} naming the setting:
 * unknown keys or mechanisms, missing credentials, unreadable files, and PLAIN or OAUTHBEARER
 * credentials sent without TLS to a broker that is not on this machine.
 */
export function resolveKafkaConnection(
  options: KafkaClientOptions | undefined,
  context: KafkaResolveContext,
): KafkaConnection {
  const path = context.path ?? 'kafka';
  const env = context.env ?? process.env;
  checkKafkaClientOptions(options, path, context.extraKeys);
  const brokers = options?.brokers !== undefined ? [...options.brokers] : kafkaBrokersFromEnv(env);
  if (brokers.length === 0) {
    throw new ConnectionConfigError('SPACELOG_KAFKA_BROKERS names no broker', 'SPACELOG_KAFKA_BROKERS');
  }
  const ssl = resolveTls(options?.ssl, path, env);
  const sasl = resolveSasl(options?.sasl, path, env);
  if (
    sasl !== undefined &&
    (ssl === undefined || !ssl.rejectUnauthorized) &&
    sasl.mechanism !== 'scram-sha-256' &&
    sasl.mechanism !== 'scram-sha-512'
  ) {
    const remote = brokers.filter((broker) => !isLoopbackAddress(broker));
    if (remote.length > 0) {
      // PLAIN sends the password as it is and OAUTHBEARER the bearer token: either is as good as
      // published on a network without TLS, or with TLS that does not check who answers (anyone in
      // the middle reads it). SCRAM proves the password without sending it.
      throw new ConnectionConfigError(
        ssl === undefined
          ? `${path}.sasl: ${sasl.mechanism.toUpperCase()} would send the secret in clear text to ${remote.join(',')}; ` +
              `turn on TLS (${path}.ssl or SPACELOG_KAFKA_SSL=true)`
          : `${path}.sasl: ${sasl.mechanism.toUpperCase()} would send the secret to whoever answers for ${remote.join(',')} ` +
              `(${path}.ssl.rejectUnauthorized is false); give the brokers' CA in ${path}.ssl.ca instead`,
        `${path}.ssl`,
      );
    }
  }
  return {
    brokers,
    clientId: options?.clientId ?? context.clientId,
    ...(ssl === undefined ? {} : { ssl }),
    ...(sasl === undefined ? {} : { sasl }),
  };
}

function resolveTls(
  option: boolean | KafkaTlsOptions | undefined,
  path: string,
  env: NodeJS.ProcessEnv,
): KafkaTls | undefined {
  if (option === false) return undefined;
  const caFile = envValue(env, 'SPACELOG_KAFKA_SSL_CA_FILE');
  const certFile = envValue(env, 'SPACELOG_KAFKA_SSL_CERT_FILE');
  const keyFile = envValue(env, 'SPACELOG_KAFKA_SSL_KEY_FILE');
  const rejectText = envValue(env, 'SPACELOG_KAFKA_SSL_REJECT_UNAUTHORIZED');
  const sslText = envValue(env, 'SPACELOG_KAFKA_SSL');
  const fromEnv = sslText === undefined ? undefined : parseBooleanSetting(sslText, 'SPACELOG_KAFKA_SSL');
  const anyFile = caFile !== undefined || certFile !== undefined || keyFile !== undefined;
  if (option === undefined) {
    if (fromEnv === false && anyFile) {
      throw new ConnectionConfigError(
        'SPACELOG_KAFKA_SSL is false but TLS files are set (SPACELOG_KAFKA_SSL_*_FILE)',
        'SPACELOG_KAFKA_SSL',
      );
    }
    if (fromEnv !== true && !anyFile) return undefined;
  }
  const given: KafkaTlsOptions = typeof option === 'object' ? option : {};
  const caList = given.ca === undefined ? undefined : typeof given.ca === 'string' ? [given.ca] : given.ca;
  const ca = caList
    ? caList.map((value, i) => readPem(value, caList.length > 1 ? `${path}.ssl.ca[${i}]` : `${path}.ssl.ca`))
    : caFile === undefined
      ? undefined
      : [readPem(caFile, 'SPACELOG_KAFKA_SSL_CA_FILE')];
  const cert =
    given.cert !== undefined
      ? readPem(given.cert, `${path}.ssl.cert`)
      : certFile === undefined
        ? undefined
        : readPem(certFile, 'SPACELOG_KAFKA_SSL_CERT_FILE');
  const key =
    given.key !== undefined
      ? readPem(given.key, `${path}.ssl.key`)
      : keyFile === undefined
        ? undefined
        : readPem(keyFile, 'SPACELOG_KAFKA_SSL_KEY_FILE');
  if ((cert === undefined) !== (key === undefined)) {
    const setting = cert === undefined ? `${path}.ssl.cert` : `${path}.ssl.key`;
    throw new ConnectionConfigError(
      `${setting}: a client certificate needs its key and a key its certificate (mutual TLS)`,
      setting,
    );
  }
  const rejectUnauthorized =
    given.rejectUnauthorized ??
    (rejectText === undefined
      ? true
      : parseBooleanSetting(rejectText, 'SPACELOG_KAFKA_SSL_REJECT_UNAUTHORIZED'));
  const tls = {
    rejectUnauthorized,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
  };
  return key === undefined ? tls : defineSecret(tls, 'key', key);
}

function resolveSasl(
  option: KafkaClientOptions['sasl'],
  path: string,
  env: NodeJS.ProcessEnv,
): KafkaSasl | undefined {
  const envMechanism = envValue(env, 'SPACELOG_KAFKA_SASL_MECHANISM');
  if (option === undefined && envMechanism === undefined) {
    const stray = (
      [
        'SPACELOG_KAFKA_SASL_USERNAME',
        'SPACELOG_KAFKA_SASL_PASSWORD_FILE',
        'SPACELOG_KAFKA_SASL_PASSWORD',
        'SPACELOG_KAFKA_SASL_OAUTHBEARER_TOKEN_FILE',
      ] as const
    ).find((name) => envValue(env, name) !== undefined);
    if (stray !== undefined) {
      throw new ConnectionConfigError(
        `${stray} is set but no SASL mechanism is (SPACELOG_KAFKA_SASL_MECHANISM or ${path}.sasl.mechanism)`,
        'SPACELOG_KAFKA_SASL_MECHANISM',
      );
    }
    return undefined;
  }
  const mechanism =
    option !== undefined
      ? parseMechanism(option.mechanism, `${path}.sasl.mechanism`)
      : parseMechanism(envMechanism, 'SPACELOG_KAFKA_SASL_MECHANISM');
  const given = (option ?? {}) as Record<string, unknown>;
  if (mechanism === 'oauthbearer') {
    const provider = given.oauthBearerProvider as OauthBearerProvider | undefined;
    if (provider !== undefined) return { mechanism, oauthBearerProvider: provider };
    const optionFile = given.tokenFile as string | undefined;
    const tokenFile = optionFile ?? envValue(env, 'SPACELOG_KAFKA_SASL_OAUTHBEARER_TOKEN_FILE');
    const setting =
      optionFile !== undefined ? `${path}.sasl.tokenFile` : 'SPACELOG_KAFKA_SASL_OAUTHBEARER_TOKEN_FILE';
    if (tokenFile === undefined) {
      throw new ConnectionConfigError(
        `${path}.sasl: OAUTHBEARER needs a token: oauthBearerProvider (in code), tokenFile, or SPACELOG_KAFKA_SASL_OAUTHBEARER_TOKEN_FILE`,
        setting,
      );
    }
    readSecretFile(tokenFile, setting); // refused now if unreadable, not at the first connect
    return { mechanism, tokenFile };
  }
  const username = (given.username as string | undefined) ?? envValue(env, 'SPACELOG_KAFKA_SASL_USERNAME');
  if (username === undefined) {
    throw new ConnectionConfigError(
      `${path}.sasl: ${mechanism.toUpperCase()} needs a username (${path}.sasl.username or SPACELOG_KAFKA_SASL_USERNAME)`,
      `${path}.sasl.username`,
    );
  }
  return defineSecret({ mechanism, username }, 'password', resolvePassword(given, path, env)) as KafkaSasl;
}

function resolvePassword(given: Record<string, unknown>, path: string, env: NodeJS.ProcessEnv): string {
  if (typeof given.password === 'string') return given.password;
  if (typeof given.passwordFile === 'string') {
    return readSecretFile(given.passwordFile, `${path}.sasl.passwordFile`);
  }
  const file = envValue(env, 'SPACELOG_KAFKA_SASL_PASSWORD_FILE');
  // Not trimmed: spaces at either end of a password are part of it.
  const value = env.SPACELOG_KAFKA_SASL_PASSWORD;
  const hasValue = value !== undefined && value !== '';
  if (file !== undefined && hasValue) {
    throw new ConnectionConfigError(
      'SPACELOG_KAFKA_SASL_PASSWORD_FILE and SPACELOG_KAFKA_SASL_PASSWORD are both set; keep one',
      'SPACELOG_KAFKA_SASL_PASSWORD',
    );
  }
  if (file !== undefined) return readSecretFile(file, 'SPACELOG_KAFKA_SASL_PASSWORD_FILE');
  if (hasValue) return value;
  throw new ConnectionConfigError(
    `${path}.sasl: no password (${path}.sasl.passwordFile, SPACELOG_KAFKA_SASL_PASSWORD_FILE or SPACELOG_KAFKA_SASL_PASSWORD)`,
    `${path}.sasl.passwordFile`,
  );
}

function parseMechanism(value: unknown, setting: string): KafkaSaslMechanism {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  const mechanism = KAFKA_SASL_MECHANISMS.find((m) => m === text);
  if (mechanism === undefined) {
    throw new ConnectionConfigError(
      `${setting}: unknown SASL mechanism ${JSON.stringify(value)}; expected one of ${KAFKA_SASL_MECHANISMS.join(', ')}`,
      setting,
    );
  }
  return mechanism;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
