import path from 'node:path';
import { StackError } from '../../src/errors/stack';

/**
 * The Apache Kafka release a new stack runs when none is asked for: the newest 4.x that passed the
 * whole test suite here (docs/local-stack.md, "Which Kafka"). It applies only when a stack is started: `stack up`
 * keeps a healthy running cluster of any version. docker/kafka/pom.xml and docker/docker-compose.yml
 * name the same release.
 */
export const DEFAULT_KAFKA_VERSION = '4.4.0';

/** The other line CI tests (the integration project): the last 3.x, for users who have not moved to 4. */
export const PREVIOUS_KAFKA_VERSION = '3.9.1';

/** The oldest release the launcher runs: its server.properties and `kafka-storage format` need 3.9. */
export const MIN_KAFKA_VERSION = '3.9.0';

/** The newest major line the launcher knows how to start. */
const MAX_KAFKA_MAJOR = 4;

/** A parsed Apache Kafka release number, with what differs between the lines the launcher runs. */
export interface KafkaVersion {
  /** `4.4.0` as written. */
  readonly text: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /**
   * Kafka 4 logs through log4j2 (its kafka-server brings log4j-core); 3.x through reload4j. It decides
   * the Maven profile of the fetch and the logging configuration file.
   */
  readonly log4j2: boolean;
  /**
   * Kafka 4 waits `add.partitions.to.txn.retry.backoff.ms` (20 ms) before retrying to add a partition
   * still busy with the previous transaction's markers; 3.9 has no such setting (and warns of unknown ones).
   */
  readonly addPartitionsRetryBackoff: boolean;
}

/**
 * Parses and checks a release number (`--kafka-version`, `SPACELOG_TEST_KAFKA_VERSION`): three
 * numbers, from {@link MIN_KAFKA_VERSION} to the last 4.x.
 */
export function parseKafkaVersion(value: string): KafkaVersion {
  const text = value.trim();
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (match === null) {
    throw new StackError('BAD_CONFIG', `Kafka version '${value}' is not a release number such as 4.4.0`);
  }
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (compareVersions([major, minor, patch], MIN_PARTS) < 0 || major > MAX_KAFKA_MAJOR) {
    throw new StackError(
      'BAD_CONFIG',
      `Kafka ${text} is not one the launcher runs: from ${MIN_KAFKA_VERSION} to the last ${MAX_KAFKA_MAJOR}.x ` +
        `(tested: ${DEFAULT_KAFKA_VERSION} and ${PREVIOUS_KAFKA_VERSION})`,
    );
  }
  return {
    text,
    major,
    minor,
    patch,
    log4j2: major >= 4,
    addPartitionsRetryBackoff: major >= 4,
  };
}

/** Where the jars of one release live: `<cacheDir>/kafka-<version>/libs`, fetched once per release. */
export function kafkaLibsDirFor(cacheDir: string, version: string): string {
  return path.join(cacheDir, `kafka-${version}`, 'libs');
}

const MIN_PARTS = MIN_KAFKA_VERSION.split('.').map(Number) as [number, number, number];

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i += 1) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
