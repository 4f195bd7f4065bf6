import { setTimeout as sleep } from 'node:timers/promises';
import { redactUrl, Stack } from '../../docker/launcher';
import type { Space } from '../client/Space';
import { brokersFromEnv, DEFAULT_PREFIX } from '../cluster/GridConfig';
import { LocalGrid } from '../cluster/LocalGrid';
import { DemoLoad } from './DemoLoad';
import { formatFigures, LoadFigures } from './LoadFigures';
import { exampleSchemasFolder } from './packageRoot';
import { WarmUpProgress } from './WarmUpProgress';

/** The space the demo hosts. */
export const DEMO_SPACE = 'orders';
/** Entry types of the example domain, in the order the figures list them. */
export const DEMO_TYPES = ['Customer', 'Product', 'Order', 'Payment'] as const;
export const DEFAULT_DEMO_PARTITIONS = 4;
export const DEFAULT_DEMO_RATE = 500;

/** What `spacelog demo` runs. */
export interface DemoOptions {
  readonly partitions: number;
  /** Target operations per second. */
  readonly rate: number;
  /** Run this many seconds, then stop and resolve; default: until the signal aborts. */
  readonly durationSeconds?: number;
  readonly prefix?: string;
  /** Kafka to use; given (or SPACELOG_KAFKA_BROKERS set), the local stack is not touched. */
  readonly brokers?: readonly string[];
  /** Ctrl-C / SIGTERM: stops the load, closes the grid, stops the stack if the demo started it. */
  readonly signal?: AbortSignal;
  /** Where the demo talks; default stdout. */
  readonly output?: NodeJS.WriteStream | NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
}

/** Where the demo's Kafka came from, and whether the demo must stop the stack on the way out. */
interface DemoKafka {
  readonly brokers: readonly string[];
  readonly databaseUrl?: string;
  /** The stack, when the demo started part of it (and must stop that part on the way out). */
  readonly stack?: Stack;
  readonly startedKafka?: boolean;
  readonly startedPostgres?: boolean;
}

/**
 * The Quick start: brings the local stack up (or reuses the running one), starts a grid hosting the
 * example `orders` space with a warm-up bar, runs a steady order-management load and prints live
 * figures once a second, until the signal aborts or the duration is over.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const out = options.output ?? process.stdout;
  const say = (line: string): void => void out.write(`${line}\n`);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const kafka = await demoKafka(options, say);
  try {
    if (options.signal?.aborted === true) return;
    const progress = new WarmUpProgress(`${prefix}.${DEMO_SPACE}`, options.partitions, out);
    let grid: LocalGrid;
    try {
      grid = await LocalGrid.start({
        space: DEMO_SPACE,
        partitions: options.partitions,
        schemas: exampleSchemasFolder(),
        prefix,
        kafka: { brokers: kafka.brokers },
        onProgress: progress.onProgress,
      });
    } catch (error) {
      progress.abandon();
      throw error;
    }
    const warm = progress.finish();
    say(
      `space '${DEMO_SPACE}' serves: ${options.partitions} partitions, ` +
        `${warm.records.toLocaleString('en-US')} mutations replayed in ${warm.seconds.toFixed(1)} s`,
    );
    try {
      await runLoad(grid.space, options, kafka, say);
    } finally {
      await grid.close();
    }
  } finally {
    // Leave a stack that was already running as it was: stop only what the demo started.
    if (kafka.stack !== undefined && kafka.startedKafka === true) {
      say('stopping the Kafka the demo started');
      await kafka.stack.downKafka();
    }
    if (kafka.stack !== undefined && kafka.startedPostgres === true) {
      say('stopping the PostgreSQL the demo started');
      await kafka.stack.downPostgres();
    }
  }
}

async function runLoad(
  space: Space,
  options: DemoOptions,
  kafka: DemoKafka,
  say: (line: string) => void,
): Promise<void> {
  const out = options.output ?? process.stdout;
  const figures = new LoadFigures();
  let firstError = true;
  const load = new DemoLoad({
    space,
    rate: options.rate,
    figures,
    onError: (error) => {
      // The count is in the figures; the first failure is worth reading in full.
      if (firstError) process.stderr.write(`spacelog demo: an operation failed: ${String(error)}\n`);
      firstError = false;
    },
  });
  await load.seed();
  say(`load: about ${options.rate} operations/s (orders, payments with leases, shipping, takes, customers)`);
  for (const hint of lookHints(options, kafka)) say(hint);
  say(
    options.durationSeconds === undefined
      ? 'Ctrl-C stops the demo'
      : `running for ${options.durationSeconds} s`,
  );
  const startedAt = performance.now();
  const deadline =
    options.durationSeconds === undefined ? Infinity : startedAt + options.durationSeconds * 1000;
  const live = 'isTTY' in out && out.isTTY === true;
  load.start();
  try {
    while (options.signal?.aborted !== true && performance.now() < deadline) {
      const wait = Math.min(1000, deadline - performance.now());
      await sleep(Math.max(wait, 0), undefined, options.signal ? { signal: options.signal } : {}).catch(
        () => undefined,
      );
      const window = figures.takeWindow();
      const entries = await Promise.all(
        DEMO_TYPES.map(async (type) => [type, await space.count(type)] as const),
      );
      const line = formatFigures({
        elapsedSeconds: (performance.now() - startedAt) / 1000,
        writesPerSecond: window.writesPerSecond,
        takesPerSecond: window.takesPerSecond,
        p99WriteMs: window.p99WriteMs,
        entries,
        errors: window.errors,
      });
      // On a terminal the figures stay on one line; in a log, one line per second.
      out.write(live ? `\r\x1b[2K${line}` : `${line}\n`);
    }
  } finally {
    await load.stop();
    if (live) out.write('\n');
  }
  const totals = figures.totals();
  say(
    `stopped after ${((performance.now() - startedAt) / 1000).toFixed(0)} s: ` +
      `${totals.writes.toLocaleString('en-US')} writes, ${totals.takes.toLocaleString('en-US')} takes, ` +
      `${totals.errors.toLocaleString('en-US')} errors`,
  );
}

/** Configured brokers win; otherwise the local stack, started if it is not running. */
async function demoKafka(options: DemoOptions, say: (line: string) => void): Promise<DemoKafka> {
  const env = options.env ?? process.env;
  if (options.brokers !== undefined) return { brokers: options.brokers };
  if ((env['SPACELOG_KAFKA_BROKERS'] ?? '').trim() !== '') {
    const brokers = brokersFromEnv(env);
    say(`kafka: ${brokers.join(',')} (SPACELOG_KAFKA_BROKERS)`);
    return { brokers };
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
    stack,
    startedKafka: up.kafka.startedNow,
    startedPostgres: up.postgres.startedNow,
  };
}

/** How to look at the data while the demo runs. */
function lookHints(options: DemoOptions, kafka: DemoKafka): string[] {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const flags = [
    prefix === DEFAULT_PREFIX ? '' : ` --prefix ${prefix}`,
    options.brokers === undefined ? '' : ` --brokers ${options.brokers.join(',')}`,
  ].join('');
  const hints = [`watch the log:   npx spacelog tail ${DEMO_SPACE}${flags}`];
  if (kafka.databaseUrl !== undefined) {
    hints.push(`query with SQL:  psql ${redactUrl(kafka.databaseUrl)}  (once the PostgreSQL mirror runs)`);
  }
  return hints;
}
