import { Command, InvalidArgumentError as CommanderInvalidArgument, Option } from 'commander';
import {
  DEFAULT_KAFKA_VERSION,
  MAX_BROKER_COUNT,
  parseKafkaVersion,
  redactUrl,
  ServiceStatus,
  Stack,
} from '../../docker/launcher';
import { StackError } from '../errors/stack';
import {
  collectValues,
  downSecureStack,
  SECURE_STACK_HELP,
  SECURE_USER_HELP,
  secureStackStatus,
  upSecureStack,
} from './secureStack';
import { usageError } from './usageErrors';

/** Options of `spacelog stack up`. */
interface UpOptions {
  readonly brokerCount: number;
  /** The old name of `--broker-count`, refused: `--brokers` is a host list in every other command. */
  readonly brokers?: string;
  readonly secure?: boolean;
  readonly user?: readonly string[];
  readonly kafkaVersion?: string;
}

/** Options of `spacelog stack status`. */
interface StatusOptions {
  readonly json?: boolean;
  readonly secure?: boolean;
}

/** Registers `spacelog stack up | down | status`: the local Kafka and PostgreSQL, without Docker. */
export function registerStackCommand(program: Command): void {
  const stack = program
    .command('stack')
    .description(
      'run the local Kafka and PostgreSQL without Docker (SPACELOG_KAFKA_BROKERS / SPACELOG_DATABASE_URL win)',
    );

  stack
    .command('up')
    .description('start Kafka (KRaft on 127.0.0.1:9092) and find or start PostgreSQL; reuses a healthy stack')
    .option(
      '--broker-count <n>',
      `number of Kafka brokers, 1 to ${MAX_BROKER_COUNT} (3 for fault tests: 9092-9094)`,
      parseBrokerCount,
      1,
    )
    .addOption(new Option('--brokers <value>').hideHelp())
    .option(
      '--kafka-version <version>',
      `Apache Kafka release of a new cluster (default ${DEFAULT_KAFKA_VERSION}; 3.9.x and 4.x); ` +
        'a running cluster of another version is refused',
      parseKafkaVersionOption,
    )
    .option('--secure', SECURE_STACK_HELP)
    .option('--user <name>', SECURE_USER_HELP, collectValues)
    .action(async (options: UpOptions, command: Command) => {
      if (options.brokers !== undefined) {
        usageError(
          command,
          `stack up takes --broker-count <n> (was --brokers <count>); --brokers is a host list in the other commands`,
        );
      }
      const kafkaVersion = options.kafkaVersion === undefined ? {} : { kafkaVersion: options.kafkaVersion };
      if (options.secure === true) {
        return upSecureStack(options.brokerCount, options.user, say, kafkaVersion.kafkaVersion);
      }
      if (options.user !== undefined) usageError(command, '--user <name> needs --secure');
      const result = await new Stack({ brokers: options.brokerCount, ...kafkaVersion }, say).up();
      const kafka = result.kafka;
      say(
        `kafka ${kafka.source === 'launcher' ? (kafka.startedNow ? 'started' : 'already running') : `in use (${kafka.source})`}: ` +
          result.endpoints.kafkaBrokers.join(',') +
          (kafka.version === undefined ? '' : `  Apache Kafka ${kafka.version}`),
      );
      for (const logFile of kafka.logFiles) say(`  log: ${logFile}`);
      say(
        `postgresql ${result.postgres.startedNow ? 'started' : `in use (${result.postgres.source})`}: ` +
          `PostgreSQL ${result.postgres.version}`,
      );
      say(`database: ${redactUrl(result.endpoints.databaseUrl)}`);
    });

  stack
    .command('down')
    .description('stop the Kafka and PostgreSQL this launcher started (nothing else)')
    .option('--secure', 'stop the secured stack (its Kafka) instead; the plain one is left alone')
    .action(async (options: { readonly secure?: boolean }) => {
      if (options.secure === true) return downSecureStack(say);
      const result = await new Stack({}, say).down();
      say(result.kafkaStopped ? 'kafka stopped' : 'kafka: nothing of ours was running');
      say(
        result.postgresStopped
          ? 'postgresql stopped'
          : 'postgresql: nothing of ours was running (left alone)',
      );
    });

  stack
    .command('status')
    .description('report both services and their versions; exit code 1 when one is down')
    .option('--json', 'print JSON')
    .option('--secure', 'report the secured stack (its Kafka) instead')
    .action(async (options: StatusOptions) => {
      if (options.secure === true) return secureStackStatus(options.json === true, say, printService);
      const status = await new Stack({}, say).status();
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      } else {
        printService('kafka', status.kafka);
        printService('postgresql', status.postgres);
      }
      if (!status.kafka.up || !status.postgres.up) process.exitCode = 1;
    });
}

function printService(name: string, status: ServiceStatus): void {
  const state = status.up ? 'up' : 'DOWN';
  say(
    `${name.padEnd(10)} ${state.padEnd(4)} ${status.endpoint}  ${status.version ?? ''}  [${status.source}]`,
  );
  for (const line of status.details) say(`  ${line}`);
}

/** `--broker-count`: a whole number from 1 to what the launcher can place on its ports. */
function parseBrokerCount(value: string): number {
  const count = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(count >= 1 && count <= MAX_BROKER_COUNT)) {
    throw new CommanderInvalidArgument(`expected a whole number from 1 to ${MAX_BROKER_COUNT}`);
  }
  return count;
}

/** `--kafka-version`: a release the launcher runs (checked here so a typo is a usage error). */
function parseKafkaVersionOption(value: string): string {
  try {
    return parseKafkaVersion(value).text;
  } catch (error) {
    if (error instanceof StackError) throw new CommanderInvalidArgument(error.message);
    throw error;
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
