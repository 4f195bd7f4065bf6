import { optionKeys } from '../../config/optionKeys';

/**
 * Where Kafka is and how to reach it safely: the `kafka` settings every Spacelog client of Kafka takes
 * (grid, processing unit, mirror, decoder, CLI). Anything not given here comes from the environment
 * (see `KAFKA_ENVIRONMENT` and docs/security.md); options win over the environment.
 */
export interface KafkaClientOptions {
  /** Bootstrap brokers `host:port`. Default: SPACELOG_KAFKA_BROKERS, else 127.0.0.1:9092. */
  readonly brokers?: readonly string[];
  /** Kafka client id (shows in broker logs and quotas); each component has its own default. */
  readonly clientId?: string;
  /**
   * TLS to the brokers: `true` (Node's CA store, the broker's host name checked) or the CA, the client
   * certificate and key. `false` turns off TLS settings coming from the environment.
   */
  readonly ssl?: boolean | KafkaTlsOptions;
  /** SASL authentication; the secret (password, token) from a file or the environment, never argv. */
  readonly sasl?: KafkaSaslOptions;
}

/**
 * TLS settings. Each of `ca`, `cert` and `key` is PEM text (starting with `-----BEGIN`) or the path of
 * a PEM file (read once at start; relative paths in a unit config file are relative to that file).
 */
export interface KafkaTlsOptions {
  /** CA certificate(s) the brokers' certificates must chain to; default: Node's CA store. */
  readonly ca?: string | readonly string[];
  /** Client certificate, for mutual TLS (`ssl.client.auth=required` on the broker). Needs `key`. */
  readonly cert?: string;
  /** The client certificate's private key (unencrypted PEM). Needs `cert`. Never logged. */
  readonly key?: string;
  /** Default true. `false` accepts any broker certificate: development only, it defeats TLS. */
  readonly rejectUnauthorized?: boolean;
}

/** SASL mechanisms Spacelog configures (kafkajs's names; upper case is accepted too). */
export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'oauthbearer';

/** The SASL mechanisms, in the order error messages list them. */
export const KAFKA_SASL_MECHANISMS: readonly KafkaSaslMechanism[] = [
  'plain',
  'scram-sha-256',
  'scram-sha-512',
  'oauthbearer',
];

/**
 * User name and password (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). A missing `username` or password is
 * taken from SPACELOG_KAFKA_SASL_USERNAME and SPACELOG_KAFKA_SASL_PASSWORD_FILE /
 * SPACELOG_KAFKA_SASL_PASSWORD, so a config file can name the mechanism and user and leave the secret
 * to the environment.
 */
export interface KafkaPasswordSaslOptions {
  readonly mechanism:
    'plain' | 'scram-sha-256' | 'scram-sha-512' | 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  readonly username?: string;
  /** The password itself: for programs that hold it already (from a vault); prefer `passwordFile`. */
  readonly password?: string;
  /** A file holding the password (one trailing newline ignored), read at start. */
  readonly passwordFile?: string;
}

/** What an OAUTHBEARER token callback returns: the token (a JWT, for most identity providers). */
export interface OauthBearerToken {
  readonly value: string;
}

/** Called by the Kafka client whenever it (re)authenticates a broker connection. */
export type OauthBearerProvider = () => Promise<OauthBearerToken>;

/**
 * OAUTHBEARER: a token from a callback (`oauthBearerProvider`, in code) or from a file that something
 * else keeps fresh (`tokenFile`, re-read at each authentication: a Kubernetes projected token, a
 * sidecar). Exactly one of them, or SPACELOG_KAFKA_SASL_OAUTHBEARER_TOKEN_FILE.
 */
export interface KafkaOauthBearerSaslOptions {
  readonly mechanism: 'oauthbearer' | 'OAUTHBEARER';
  readonly oauthBearerProvider?: OauthBearerProvider;
  readonly tokenFile?: string;
}

/** SASL settings: by user and password, or by bearer token. */
export type KafkaSaslOptions = KafkaPasswordSaslOptions | KafkaOauthBearerSaslOptions;

/** Keys of {@link KafkaClientOptions}; components add their own (`replicationFactor`, `topics`). */
export const KAFKA_CLIENT_KEYS = optionKeys<KafkaClientOptions>({
  brokers: true,
  clientId: true,
  ssl: true,
  sasl: true,
});
