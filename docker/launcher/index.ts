/**
 * The local stack launcher: real Kafka (KRaft, from Apache Kafka's jars fetched with Maven) and real
 * PostgreSQL on machines without a Docker engine. Driven by `spacelog stack up | down | status` and by
 * the test setup in test/support.
 */
export { Stack } from './Stack';
export type {
  KafkaSource,
  KafkaUp,
  PostgresUp,
  ServiceStatus,
  StackEndpoints,
  StackStatus,
  StackUpResult,
} from './Stack';
export { PostgresInstance, PRIVATE_POSTGRES_PORT_BASE, startPrivatePostgres } from './PostgresInstance';
export type { PostgresInstanceOptions, PostgresStopMode } from './PostgresInstance';
export type { PostgresSource } from './LocalPostgres';
export { probeKafka, tryProbeKafka } from './kafkaProbe';
export {
  ADMIN_USER,
  clientPropertiesFile,
  credentialsFile,
  DEFAULT_SCRAM_USERS,
  kafkaClientSecurity,
  passwordFile,
  readScramCredentials,
  SCRAM_MECHANISM,
  secureLayout,
} from './secureKafka';
export type { KafkaClientSecurity, ScramCredentials, SecureLayout } from './secureKafka';
export type { KafkaSecurityRecord } from './StackState';
export type { KafkaProbeResult } from './kafkaProbe';
export { probePostgres, tryProbePostgres } from './postgresProbe';
export { SECURE_STACK_POSTGRES_PORT, secureStackPostgresDir } from './securePostgres';
export type { PostgresProbeResult } from './postgresProbe';
export {
  DEFAULT_BROKER_COUNT,
  DEFAULT_BROKER_PORT,
  DEFAULT_CONTROLLER_PORT,
  DEFAULT_DATABASE_URL,
  DEFAULT_SECURE_BROKER_PORT,
  DEFAULT_SECURE_CONTROLLER_PORT,
  ENV_CACHE_DIR,
  ENV_DATABASE_URL,
  ENV_KAFKA_BROKERS,
  MAX_BROKER_COUNT,
  parseBrokerCount,
  parseBrokerList,
  redactUrl,
  resolveStackOptions,
} from './StackOptions';
export type { ResolvedStackOptions, StackOptions } from './StackOptions';
export {
  DEFAULT_KAFKA_VERSION,
  kafkaLibsDirFor,
  MIN_KAFKA_VERSION,
  parseKafkaVersion,
  PREVIOUS_KAFKA_VERSION,
} from './kafkaVersions';
export type { KafkaVersion } from './kafkaVersions';
