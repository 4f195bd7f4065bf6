import { setTimeout as sleep } from 'node:timers/promises';
import { redactUrl, Stack } from '../../docker/launcher';
import type { Space } from '../api/Space';
import { brokersFromEnv } from '../cluster/GridConfig';
import { DEFAULT_PREFIX } from '../log/admin/topicNames';
import { LocalGrid } from '../cluster/LocalGrid';
import { databaseUrlFromEnv } from '../mirror/databaseUrl';
import { SchemaLoader } from '../schema/SchemaLoader';
import { DemoLoad } from './DemoLoad';
import { demoMirrorLag, demoMirrorSchema, demoQueries, resetStaleDemoMirror } from './demoMirror';
import { exampleSchemasFolder } from './exampleSchemasFolder';
import { formatFigures, LoadFigures } from './LoadFigures';
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
  /** Run the PostgreSQL mirror in the grid; default true. */
  readonly mirror?: boolean;
  /** PostgreSQL schema of the mirror; default `spacelog` (one per prefix for other prefixes). */
  readonly mirrorSchema?: string;
  /** Also keep the append-only `orders_history` table. */
  readonly history?: boolean;
}

/** Where the demo's mirror goes. */
interface DemoMirror {
  readonly databaseUrl: string;
  readonly schema: string;
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
    const types = SchemaLoader.loadFolder(exampleSchemasFolder());
    const mirror = await demoMirror(options, kafka, types, say);
    const progress = new WarmUpProgress(`${prefix}.${DEMO_SPACE}`, options.partitions, out);
    let grid: LocalGrid;
    try {
      grid = await LocalGrid.start({
        space: DEMO_SPACE,
        partitions: options.partitions,
        schemas: types,
        prefix,
        kafka: { brokers: kafka.brokers },
        onProgress: progress.onProgress,
        ...(mirror === undefined
          ? {}
          : {
              mirror: {
                database: mirror.databaseUrl,
                schema: mirror.schema,
                // The demo makes its tables in place; production uses `spacelog migrate` files.
                createTables: true,
                history: options.history === true,
                onError: (error) => process.stderr.write(`spacelog demo: mirror stopped: ${error.message}\n`),
              },
            }),
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
      await runLoad(grid, options, kafka, mirror, say);
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
  grid: LocalGrid,
  options: DemoOptions,
  kafka: DemoKafka,
  mirror: DemoMirror | undefined,
  say: (line: string) => void,
): Promise<void> {
  const space: Space = grid.space;
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
  for (const hint of lookHints(options, mirror)) say(hint);
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
      const mirrorLag = await demoMirrorLag(grid);
      const line = formatFigures({
        elapsedSeconds: (performance.now() - startedAt) / 1000,
        writesPerSecond: window.writesPerSecond,
        takesPerSecond: window.takesPerSecond,
        p99WriteMs: window.p99WriteMs,
        entries,
        errors: window.errors,
        ...(mirrorLag === undefined ? {} : { mirrorLag }),
      });
      // On a terminal the figures stay on one line; in a log, one line per second.
      out.write(live ? `\r\x1b[2K${line}` : `${line}\n`);
    }
  } finally {
    await load.stop();
    if (live) out.write('\n');
  }
  if (grid.mirror !== undefined) {
    // Leave PostgreSQL holding everything the load did, so the queries printed above see it all.
    const caughtUp = await grid.mirror.waitForCatchUp(10_000).then(
      () => true,
      () => false,
    );
    say(caughtUp ? 'mirror caught up with the log' : 'mirror not caught up (it continues on the next start)');
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

/**
 * The demo's mirror: the stack's PostgreSQL, else SPACELOG_DATABASE_URL or the local default. A mirror
 * left by a run against an earlier (now gone) Kafka is emptied first.
 */
async function demoMirror(
  options: DemoOptions,
  kafka: DemoKafka,
  types: ReturnType<typeof SchemaLoader.loadFolder>,
  say: (line: string) => void,
): Promise<DemoMirror | undefined> {
  if (options.mirror === false) return undefined;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const databaseUrl = kafka.databaseUrl ?? databaseUrlFromEnv(options.env ?? process.env);
  const schema = options.mirrorSchema ?? demoMirrorSchema(prefix, DEFAULT_PREFIX);
  const reset = await resetStaleDemoMirror({
    databaseUrl,
    schema,
    space: DEMO_SPACE,
    partitions: options.partitions,
    prefix,
    brokers: kafka.brokers,
    types,
  });
  if (reset) say(`mirror: the rows in ${schema} came from an earlier Kafka; emptied them to mirror this one`);
  say(`mirror: PostgreSQL ${redactUrl(databaseUrl)}, schema ${schema} (tables created in place)`);
  return { databaseUrl, schema };
}

/** How to look at the data while the demo runs. */
function lookHints(options: DemoOptions, mirror: DemoMirror | undefined): string[] {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const flags = [
    prefix === DEFAULT_PREFIX ? '' : ` --prefix ${prefix}`,
    options.brokers === undefined ? '' : ` --brokers ${options.brokers.join(',')}`,
  ].join('');
  // Started by `npm start` in the repository, the CLI is its `spacelog` script; installed, it is npx's.
  const cli = process.env.npm_lifecycle_event === 'start' ? 'npm run spacelog --' : 'npx spacelog';
  const hints = [`watch the log:   ${cli} tail ${DEMO_SPACE}${flags}`];
  if (mirror !== undefined) {
    const psql = `psql ${redactUrl(mirror.databaseUrl)}`;
    hints.push(`query with SQL:  ${psql}   (reporting queries: docs/mirror.md, "SQL reporting"), e.g.`);
    for (const query of demoQueries(mirror.schema, DEMO_SPACE)) hints.push(`  ${psql} -c "${query}"`);
  }
  return hints;
}
