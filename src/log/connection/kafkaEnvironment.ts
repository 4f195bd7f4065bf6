/** The default bootstrap broker: the local stack's. */
export const DEFAULT_BROKERS: readonly string[] = ['127.0.0.1:9092'];

/**
 * The environment variables every Spacelog client of Kafka reads (the grid, units, the mirror, the
 * decoder, the CLI, the benchmarks), with what each one sets. Options given in code or in a config
 * file win, key by key; these fill in what they leave out. Secrets go in files (`*_FILE`) or in the
 * environment, never on a command line.
 */
export const KAFKA_ENVIRONMENT = {
  SPACELOG_KAFKA_BROKERS: 'bootstrap brokers host:port, comma separated (default 127.0.0.1:9092)',
  SPACELOG_KAFKA_SSL: 'true: TLS with Node’s CA store; false: no TLS (default: on when a TLS file is set)',
  SPACELOG_KAFKA_SSL_CA_FILE: 'PEM file of the CA(s) the brokers’ certificates chain to (turns TLS on)',
  SPACELOG_KAFKA_SSL_CERT_FILE: 'PEM client certificate, for mutual TLS (with the key file)',
  SPACELOG_KAFKA_SSL_KEY_FILE: 'PEM private key of the client certificate',
  SPACELOG_KAFKA_SSL_REJECT_UNAUTHORIZED:
    'false accepts any broker certificate (development only; default true)',
  SPACELOG_KAFKA_SASL_MECHANISM: 'plain, scram-sha-256, scram-sha-512 or oauthbearer (any case)',
  SPACELOG_KAFKA_SASL_USERNAME: 'SASL user (plain, scram-*)',
  SPACELOG_KAFKA_SASL_PASSWORD_FILE: 'file holding the SASL password (one trailing newline ignored)',
  SPACELOG_KAFKA_SASL_PASSWORD: 'the SASL password itself (when a file is not practical)',
  SPACELOG_KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: 'file holding the bearer token, re-read at each authentication',
} as const;

export type KafkaEnvironmentVariable = keyof typeof KAFKA_ENVIRONMENT;

/** A variable's value, trimmed; undefined when unset or blank. @internal */
export function envValue(
  env: NodeJS.ProcessEnv,
  name: KafkaEnvironmentVariable | string,
): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Brokers from SPACELOG_KAFKA_BROKERS (comma separated), else the default. */
export function kafkaBrokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const value = envValue(env, 'SPACELOG_KAFKA_BROKERS');
  return value === undefined
    ? [...DEFAULT_BROKERS]
    : value
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean);
}
