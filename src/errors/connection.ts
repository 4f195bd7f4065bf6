import { SpacelogError, SpacelogErrorOptions } from './SpacelogError';

/**
 * The settings of a connection to Kafka or PostgreSQL are invalid: an unknown key, an unknown SASL
 * mechanism, a missing or unreadable certificate or password file, contradictory values, or a secret
 * where it would be exposed (a password in a command-line argument). Raised at start, before anything
 * connects. The message names the setting (an option path or an environment variable) and never the
 * secret itself.
 */
export class ConnectionConfigError extends SpacelogError {
  /** The option path (`kafka.sasl.mechanism`) or environment variable (`SPACELOG_KAFKA_SASL_MECHANISM`) at fault. */
  readonly setting: string;
  constructor(message: string, setting: string, options: SpacelogErrorOptions = {}) {
    super(message, 'CONNECTION_CONFIG', false, options);
    this.name = 'ConnectionConfigError';
    this.setting = setting;
  }
}
