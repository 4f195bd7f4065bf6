import { ENV_DATABASE_URL, ENV_KAFKA_BROKERS, Stack } from '../../docker/launcher';
import { dockerEngineAnswers } from './dockerEngine';
import { PrivateKafkaCluster } from './privateKafkaCluster';
import { ENV_TEST_KAFKA_VERSION, testKafkaVersion } from './testKafkaVersion';
import { testStackSession } from './testStackSession';
import { watchTornDownErrors } from './tornDownWatch';
import { redactDatabaseUrl } from '../../src/mirror/databaseUrl';

/** Set to 0 to skip testcontainers even when a Docker engine answers (use the launcher instead). */
const ENV_USE_TESTCONTAINERS = 'SPACELOG_TESTCONTAINERS';
/** Number of brokers the launcher starts for tests (default 1); fault suites that kill brokers may want 3. */
const ENV_TEST_BROKERS = 'SPACELOG_TEST_BROKERS';
/** The images used when testcontainers provides the services: Confluent 7.9 is Apache Kafka 3.9. */
const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.1';
const POSTGRES_IMAGE = 'postgres:15';

/**
 * Provides real Kafka and PostgreSQL to the integration and fault projects, and passes them to tests
 * through SPACELOG_KAFKA_BROKERS / SPACELOG_DATABASE_URL (inherited by the jest workers):
 * 1. endpoints already configured in the environment are used as they are;
 * 2. else, when a Docker engine answers, testcontainers starts them;
 * 3. else the launcher (docker/launcher) reuses the running local stack or starts it.
 * With SPACELOG_TEST_KAFKA_VERSION (say 3.9.1, CI's second run), Kafka is the running stack only if the
 * launcher runs it at that version; else a private cluster of that version on ports of its own, stopped
 * at teardown, so the shared stack is never stopped or changed.
 * Runs once per project; the second run finds the variables set by the first and does nothing.
 */
export default async function globalSetup(): Promise<void> {
  watchTornDownErrors();
  const needKafka = isUnset(ENV_KAFKA_BROKERS);
  const needPostgres = isUnset(ENV_DATABASE_URL);
  if (!needKafka && !needPostgres) return;
  const session = testStackSession();
  const kafkaVersion = testKafkaVersion();
  const useContainers = process.env[ENV_USE_TESTCONTAINERS] !== '0' && (await dockerEngineAnswers());
  if (useContainers) {
    if (needPostgres) process.env[ENV_DATABASE_URL] = await startPostgresContainer(session.containers);
    if (needKafka) {
      // The container image is Kafka 3.9; another version comes from the launcher's jars.
      process.env[ENV_KAFKA_BROKERS] =
        kafkaVersion === undefined
          ? await startKafkaContainer(session.containers)
          : await startPrivateKafka(kafkaVersion, testBrokerCount());
    }
  } else {
    const brokers = testBrokerCount();
    const stack = new Stack({ brokers }, (line) => process.stderr.write(`[spacelog stack] ${line}\n`));
    if (needPostgres) {
      const postgres = await stack.upPostgres();
      session.startedPostgres = postgres.startedNow;
      process.env[ENV_DATABASE_URL] = postgres.url;
    }
    if (needKafka) {
      const status = await stack.status();
      if (kafkaVersion !== undefined && status.kafka.version !== `Apache Kafka ${kafkaVersion}`) {
        process.env[ENV_KAFKA_BROKERS] = await startPrivateKafka(kafkaVersion, brokers);
      } else if (status.kafka.up) {
        // A running stack of any size (say, three brokers started by hand for fault tests) is used as it is.
        process.env[ENV_KAFKA_BROKERS] = status.kafka.endpoint;
      } else {
        const kafka = await stack.upKafka();
        session.startedKafka = kafka.startedNow;
        process.env[ENV_KAFKA_BROKERS] = kafka.brokers.join(',');
      }
    }
  }
  process.stderr.write(
    `\n[spacelog test stack] kafka ${process.env[ENV_KAFKA_BROKERS] ?? '?'}, postgresql ${redactDatabaseUrl(process.env[ENV_DATABASE_URL] ?? '?')}\n`,
  );
}

/** Starts a private cluster of `version` for this run (its own ports); teardown destroys it. */
async function startPrivateKafka(version: string, brokers: number): Promise<string> {
  process.stderr.write(
    `[spacelog test stack] ${ENV_TEST_KAFKA_VERSION}=${version}: a private Kafka ${version}\n`,
  );
  const cluster = await PrivateKafkaCluster.start(brokers, { kafkaVersion: version });
  testStackSession().privateKafka = cluster;
  return cluster.brokers.join(',');
}

function testBrokerCount(): number {
  return Number(process.env[ENV_TEST_BROKERS] ?? '1');
}

function isUnset(name: string): boolean {
  const value = process.env[name];
  return value === undefined || value.trim() === '';
}

async function startPostgresContainer(containers: { stop(): Promise<unknown> }[]): Promise<string> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(POSTGRES_IMAGE).start();
  containers.push(container);
  return container.getConnectionUri();
}

async function startKafkaContainer(containers: { stop(): Promise<unknown> }[]): Promise<string> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer(KAFKA_IMAGE)
    .withKraft()
    .withEnvironment({
      // One broker: the transaction log must live with one replica, and topics exist only when created.
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .start();
  containers.push(container);
  // The container's PLAINTEXT listener for the host is its port 9093, mapped to a random host port.
  return `${container.getHost()}:${container.getMappedPort(9093)}`;
}
