import { ENV_DATABASE_URL, ENV_KAFKA_BROKERS, parseBrokerList } from '../../docker/launcher';

/**
 * The Kafka brokers tests must use, from SPACELOG_KAFKA_BROKERS (set by the configured environment or by
 * test/support/globalSetup.ts).
 */
export function testKafkaBrokers(): string[] {
  const value = process.env[ENV_KAFKA_BROKERS];
  if (value === undefined || value.trim() === '') {
    throw new Error(
      `${ENV_KAFKA_BROKERS} is not set: run this test through the jest integration or fault project ` +
        `(its globalSetup provides Kafka), or set it yourself`,
    );
  }
  return parseBrokerList(value);
}

/** The PostgreSQL URL tests must use, from SPACELOG_DATABASE_URL (set like {@link testKafkaBrokers}). */
export function testDatabaseUrl(): string {
  const value = process.env[ENV_DATABASE_URL];
  if (value === undefined || value.trim() === '') {
    throw new Error(
      `${ENV_DATABASE_URL} is not set: run this test through the jest integration or fault project ` +
        `(its globalSetup provides PostgreSQL), or set it yourself`,
    );
  }
  return value.trim();
}
