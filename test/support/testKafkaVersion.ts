import { parseKafkaVersion } from '../../docker/launcher/kafkaVersions';

/**
 * Names the Apache Kafka release the tests start (`SPACELOG_TEST_KAFKA_VERSION=3.9.1`): the stack of
 * jest's global setup and every private cluster of the fault tests. Unset: the launcher's default.
 */
export const ENV_TEST_KAFKA_VERSION = 'SPACELOG_TEST_KAFKA_VERSION';

/** The release SPACELOG_TEST_KAFKA_VERSION names (checked), or undefined for the launcher's default. */
export function testKafkaVersion(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[ENV_TEST_KAFKA_VERSION]?.trim();
  return value === undefined || value === '' ? undefined : parseKafkaVersion(value).text;
}
