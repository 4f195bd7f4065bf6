import { InvalidArgumentError as CommanderInvalidArgument, type Command } from 'commander';
import { brokersFromEnv } from '../cluster/GridConfig';
import { DEFAULT_PREFIX } from '../log/admin/topicNames';
import { checkDatabaseArgument, databaseUrlFromEnv } from '../mirror/databaseUrl';
import { usageError } from './usageErrors';

/**
 * Parsers for command-line option values, shaped as commander argument parsers: they throw
 * commander's `InvalidArgumentError`, which commander prints as `error: option '--max <n>' argument
 * '0' is invalid. <message>` (a usage error: exit code 2).
 */

/** A whole number ≥ `min` (default 1), written in decimal digits only. */
export function parseWholeNumber(value: string, min = 1): number {
  const text = value.trim();
  const parsed = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min) {
    throw new CommanderInvalidArgument(`expected a whole number from ${min}, got '${value}'`);
  }
  return parsed;
}

/** A positive integer (`--max`, `--partitions`, `--rate`, `--duration`). */
export function parsePositiveInteger(value: string): number {
  return parseWholeNumber(value, 1);
}

/**
 * A comma-separated list of `host:port` brokers (`--brokers`). Blank items are ignored; an item
 * without a valid port is refused.
 */
export function parseBrokers(value: string): string[] {
  const brokers = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  if (brokers.length === 0) throw new CommanderInvalidArgument(`names no broker: '${value}'`);
  for (const broker of brokers) {
    const match = /^(.+):(\d{1,5})$/.exec(broker);
    const port = match === null ? NaN : Number(match[2]);
    if (!(port >= 1 && port <= 65535)) {
      throw new CommanderInvalidArgument(`'${broker}' is not host:port`);
    }
  }
  return brokers;
}

/** The brokers to use: the option when given, else SPACELOG_KAFKA_BROKERS, else 127.0.0.1:9092. */
export function resolveBrokers(option: readonly string[] | undefined, env = process.env): string[] {
  return option === undefined ? brokersFromEnv(env) : [...option];
}

/**
 * The PostgreSQL URL to use: `--database` when given, else SPACELOG_DATABASE_URL, else the local
 * default. A `--database` URL that carries a password is a usage error (exit 2): the process list
 * shows every argument to every user. It is checked here and not in commander's parser, whose
 * message would repeat the argument, password included; this one shows it redacted.
 */
export function resolveDatabaseArgument(
  command: Command,
  option: string | undefined,
  env = process.env,
): string {
  if (option === undefined) return databaseUrlFromEnv(env);
  try {
    return checkDatabaseArgument(option);
  } catch (error) {
    return usageError(command, (error as Error).message);
  }
}

/**
 * Adds the options that name a deployment's Kafka side, the same for every command that reads one:
 * `--prefix` (its topic prefix) and `--brokers` (else SPACELOG_KAFKA_BROKERS, else the local stack).
 */
export function withDeploymentOptions(command: Command): Command {
  return command
    .option('--prefix <prefix>', 'topic prefix of the deployment', DEFAULT_PREFIX)
    .option(
      '--brokers <list>',
      'Kafka brokers host:port,... (default: SPACELOG_KAFKA_BROKERS, else 127.0.0.1:9092)',
      parseBrokers,
    );
}
