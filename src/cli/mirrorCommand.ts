import { Command, InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import { cliLogger } from './cliLogging';
import { DEFAULT_PREFIX } from '../log/admin/topicNames';
import { SpaceNotFoundError } from '../errors';
import { KAFKA_CLIENT_IDS, openKafka } from '../log/connection/openKafka';
import { TopicAdmin } from '../log/admin/TopicAdmin';
import { DeadLetterStore, DEFAULT_DEAD_LETTER_LIMIT, type StoredDeadLetter } from '../mirror/DeadLetterStore';
import { DEFAULT_MIRROR_SCHEMA, type MirrorPoisonPolicy } from '../mirror/MirrorConfig';
import type { PartitionLag } from '../mirror/MirrorLag';
import { MirrorProjector } from '../mirror/MirrorProjector';
import { openDatabase } from '../mirror/openMirrorDatabase';
import { readMirrorStatus } from '../mirror/readMirrorStatus';
import { parseBrokers, resolveBrokers, resolveDatabaseArgument } from './cliOptions';
import { ensureDatabaseReachable, ensureKafkaReachable } from './reachability';
import { onStopSignal } from './stopSignals';
import { usageError } from './usageErrors';

/** Options of `spacelog mirror`, as commander hands them over. */
interface MirrorCommandOptions {
  readonly space: string;
  readonly schemas?: string;
  readonly prefix: string;
  readonly brokers?: string[];
  readonly database?: string;
  readonly pgSchema: string;
  readonly json?: boolean;
  readonly history?: boolean;
  readonly onPoison?: MirrorPoisonPolicy;
  readonly partition?: number;
  readonly limit?: number;
}

const ACTIONS = ['status', 'dead-letters'] as const;
type MirrorAction = (typeof ACTIONS)[number];

const PROGRESS_EVERY_MS = 2_000;

/**
 * Registers `spacelog mirror --space S --schemas DIR` (runs the PostgreSQL mirror of a space until
 * Ctrl-C, printing its progress and lag), `spacelog mirror status --space S` (prints each
 * partition's applied offset, log end, lag and dead letters, from spacelog_offsets and Kafka) and
 * `spacelog mirror dead-letters --space S` (lists the records the mirror could not apply).
 */
export function registerMirrorCommand(program: Command): void {
  program
    .command('mirror')
    .description('run the write-behind PostgreSQL mirror of a space, or show its lag (mirror status)')
    .argument(
      '[action]',
      "'status' to print the lag, 'dead-letters' to list the records it could not apply, instead of running the mirror",
      (value: string) => {
        if (!(ACTIONS as readonly string[]).includes(value))
          throw new CommanderInvalidArgument("the actions are 'status' and 'dead-letters'");
        return value;
      },
    )
    .requiredOption('--space <name>', 'space name, e.g. orders')
    .option('--schemas <dir>', 'folder of the .avsc entry types (required to run the mirror)')
    .option('--prefix <prefix>', 'topic prefix of the deployment', DEFAULT_PREFIX)
    .option('--brokers <list>', 'Kafka brokers host:port,... (default: SPACELOG_KAFKA_BROKERS)', parseBrokers)
    .option(
      '--database <url>',
      'PostgreSQL URL without a password (default: SPACELOG_DATABASE_URL; password: SPACELOG_DATABASE_PASSWORD_FILE or PGPASSWORD)',
    )
    .option('--pg-schema <name>', 'PostgreSQL schema of the mirror', DEFAULT_MIRROR_SCHEMA)
    .option('--json', 'status, dead-letters: print JSON')
    .option('--history', 'also append every mutation to the <space>_history table')
    .option(
      '--on-poison <policy>',
      "a record that cannot be applied: 'dead-letter' (default) or 'stop'",
      (value: string): MirrorPoisonPolicy => {
        if (value !== 'stop' && value !== 'dead-letter')
          throw new CommanderInvalidArgument("--on-poison is 'stop' or 'dead-letter'");
        return value;
      },
    )
    .option('--partition <k>', 'dead-letters: only this partition', parseCount)
    .option(
      '--limit <n>',
      `dead-letters: at most n, oldest first (default ${DEFAULT_DEAD_LETTER_LIMIT})`,
      parseCount,
    )
    .action(async (action: MirrorAction | undefined, options: MirrorCommandOptions, command: Command) => {
      if (action === undefined && options.schemas === undefined) {
        usageError(command, '--schemas <dir> is required to run the mirror');
      }
      const database = resolveDatabaseArgument(command, options.database);
      // Checked up front: the running mirror waits out a PostgreSQL outage (docs/design.md law 6), which at start
      // would look like a hang rather than a database that is not there.
      const brokers = action === 'dead-letters' ? [] : resolveBrokers(options.brokers);
      await Promise.all([ensureKafkaReachable(brokers), ensureDatabaseReachable(database)]);
      if (action === 'status') await printStatus(options, brokers, database);
      else if (action === 'dead-letters') await printDeadLetters(options, database);
      else await runMirror(options, options.schemas!, brokers, database);
    });
}

async function runMirror(
  options: MirrorCommandOptions,
  schemas: string,
  brokers: readonly string[],
  database: string,
): Promise<void> {
  let latest = new Map<number, { applied: number; end: number }>();
  const projector = new MirrorProjector({
    space: options.space,
    schemas,
    database,
    schema: options.pgSchema,
    prefix: options.prefix,
    kafka: { brokers },
    ...(options.history === true ? { history: true } : {}),
    ...(options.onPoison === undefined ? {} : { onPoison: options.onPoison }),
    onProgress: (p) =>
      (latest = new Map(latest).set(p.partition, { applied: p.appliedOffset, end: p.endOffset })),
    // Outages, recoveries, dead letters and a stop are logged (once each) on standard error.
    logger: cliLogger(),
  });
  const removeHandlers = onStopSignal(() => void projector.stop());
  try {
    await projector.start();
    process.stdout.write(`mirror of space ${options.space} running into schema ${options.pgSchema}\n`);
    const timer = setInterval(() => {
      void projector
        .lag()
        .then((lag) => process.stdout.write(`${formatLag(lag)}\n`))
        .catch(() => undefined);
    }, PROGRESS_EVERY_MS);
    const failure = await projector.stopped;
    clearInterval(timer);
    if (failure !== undefined) throw failure;
  } finally {
    removeHandlers();
    await projector.stop();
  }
}

async function printStatus(
  options: MirrorCommandOptions,
  brokers: readonly string[],
  database: string,
): Promise<void> {
  // TLS and SASL from the SPACELOG_KAFKA_* environment, as for every Kafka client (docs/security.md).
  const { kafka, connection } = openKafka(
    { brokers },
    { clientId: KAFKA_CLIENT_IDS.mirrorStatus, tuning: 'command' },
  );
  const topics = new TopicAdmin({ kafka, prefix: options.prefix });
  const knex = openDatabase(database, { max: 2 });
  try {
    const partitions = await topics.describeSpace(options.space);
    if (partitions === undefined) {
      throw new SpaceNotFoundError(
        `space ${options.space} has no partition topics under prefix ${options.prefix}`,
      );
    }
    const lag = await readMirrorStatus(
      { knex, space: options.space, partitions, prefix: options.prefix, schema: options.pgSchema },
      connection,
    );
    process.stdout.write(options.json === true ? `${JSON.stringify(lag)}\n` : `${formatLag(lag)}\n`);
  } finally {
    await topics.close().catch(() => undefined);
    await knex.destroy();
  }
}

/** One line per partition: applied / end, records and seconds behind, dead letters if any. */
export function formatLag(lag: readonly PartitionLag[]): string {
  return lag
    .map(
      (l) =>
        `partition ${l.partition}: applied ${l.appliedOffset} / ${l.endOffset}, lag ${l.records} records` +
        (l.seconds === null ? '' : `, ${l.seconds.toFixed(1)} s`) +
        (l.deadLetters === 0 ? '' : `, ${l.deadLetters} dead letters`) +
        (l.reconciles === 0
          ? ''
          : `, rebuilt from the log ${l.reconciles} times (resumed past the tombstone horizon)`),
    )
    .join('\n');
}

async function printDeadLetters(options: MirrorCommandOptions, database: string): Promise<void> {
  const knex = openDatabase(database, { max: 1 });
  try {
    const store = new DeadLetterStore(options.pgSchema, options.space);
    const letters = (await store.exists(knex))
      ? await store.list(knex, {
          ...(options.partition === undefined ? {} : { partition: options.partition }),
          ...(options.limit === undefined ? {} : { limit: options.limit }),
        })
      : [];
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify(letters.map(deadLetterJson))}\n`);
    } else if (letters.length === 0) {
      process.stdout.write(`no dead letters in space ${options.space}\n`);
    } else {
      process.stdout.write(`${letters.map(formatDeadLetter).join('\n')}\n`);
    }
  } finally {
    await knex.destroy();
  }
}

/** One line per dead letter: where, why, and the size of the value kept. */
export function formatDeadLetter(l: StoredDeadLetter): string {
  const key = l.key === null ? '(no key)' : JSON.stringify(l.key.toString('utf8'));
  const value = l.value === null ? 'no value' : `value ${l.value.length} bytes`;
  return (
    `partition ${l.partition} offset ${l.offset} ${l.code} ${l.op ?? '?'} ${key} ` +
    `(${value}, ${l.deadLetteredAt.toISOString()}): ${l.message}`
  );
}

/** A dead letter as JSON: key as UTF-8 text, value as base64 (the bytes as logged). */
function deadLetterJson(l: StoredDeadLetter): Record<string, unknown> {
  return {
    partition: l.partition,
    offset: l.offset,
    key: l.key?.toString('utf8') ?? null,
    op: l.op,
    code: l.code,
    message: l.message,
    value: l.value?.toString('base64') ?? null,
    deadLetteredAt: l.deadLetteredAt.toISOString(),
  };
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CommanderInvalidArgument(`expected a whole number, got '${value}'`);
  return n;
}
