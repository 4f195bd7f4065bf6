import { redactUrl, Stack } from '../../docker/launcher';
import { brokersFromEnv } from '../../src/cluster/GridConfig';
import { databaseUrlFromEnv } from '../../src/mirror/databaseUrl';

/** Where the runner's Kafka and PostgreSQL are, and what it must stop on the way out. */
export interface RunnerStack {
  readonly brokers: readonly string[];
  readonly databaseUrl: string;
  /** Stops what the runner started (nothing when the stack was already up or configured). */
  release(): Promise<void>;
}

/**
 * Kafka and PostgreSQL as `npm start`'s demo finds them: `--brokers`, else SPACELOG_KAFKA_BROKERS
 * (and SPACELOG_DATABASE_URL), else the local stack, started if it is not running and stopped again
 * on the way out only if this run started it.
 */
export async function runnerStack(
  brokers: readonly string[] | undefined,
  say: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunnerStack> {
  const nothing = async (): Promise<void> => undefined;
  if (brokers !== undefined) return { brokers, databaseUrl: databaseUrlFromEnv(env), release: nothing };
  if ((env.SPACELOG_KAFKA_BROKERS ?? '').trim() !== '') {
    say(`kafka: ${brokersFromEnv(env).join(',')} (SPACELOG_KAFKA_BROKERS)`);
    return { brokers: brokersFromEnv(env), databaseUrl: databaseUrlFromEnv(env), release: nothing };
  }
  say('bringing the local stack up (Kafka and PostgreSQL; the first run downloads Kafka)...');
  const stack = new Stack({}, (line) => say(`  ${line}`), env);
  const up = await stack.up();
  say(
    `kafka ${up.kafka.startedNow ? 'started' : 'already running'}: ${up.endpoints.kafkaBrokers.join(',')}; ` +
      `postgresql ${up.postgres.startedNow ? 'started' : 'in use'}: ${redactUrl(up.endpoints.databaseUrl)}`,
  );
  return {
    brokers: up.endpoints.kafkaBrokers,
    databaseUrl: up.endpoints.databaseUrl,
    release: async () => {
      // Leave a stack that was already running as it was.
      if (up.kafka.startedNow) {
        say('stopping the Kafka this run started');
        await stack.downKafka();
      }
      if (up.postgres.startedNow) {
        say('stopping the PostgreSQL this run started');
        await stack.downPostgres();
      }
    },
  };
}
