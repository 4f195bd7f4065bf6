/**
 * `npm run example:pipeline [-- --seconds 30 --rate 50 --fail-every 25]`: the orders pipeline end to
 * end on this machine. Brings the local stack up if needed (like `npm start`), starts two processing
 * units of the `shop` space in this process with unit.json's settings and the services module, the
 * PostgreSQL mirror, and the feeder; prints one line a second (fed / validated / paid / shipped /
 * dead letters / revenue / mirror lag) until Ctrl-C, SIGTERM or `--seconds`; then stops feeding, lets
 * the pipeline drain, waits for the mirror, prints SQL to look at the result, and stops cleanly.
 */
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { redactUrl } from '../../docker/launcher';
import { MirrorProjector, ProcessingUnit, SchemaLoader, Spacelog, type RemoteSpace } from '../../src';
import { demoMirrorSchema, resetStaleDemoMirror } from '../../src/demo/demoMirror';
import { onStopSignal } from '../../src/cli/stopSignals';
import { readUnitConfigFile } from '../../src/cluster/UnitConfigFile';
import { mapEntryType } from '../../src/mirror/TableMapping';
import { packageRoot } from '../../src/packageRoot';
import { OrderFeeder } from './feeder';
import { runnerStack } from './localStack';
import {
  createPipeline,
  ORDER_TYPE,
  pipelineOptionsFromEnv,
  revenueOf,
  TOTAL_TYPE,
  type PipelineUnit,
  type StepName,
} from './services';

/** What the runner takes (the command line, parsed). */
export interface PipelineRunOptions {
  /** Stop after this many seconds; default: until the signal. */
  readonly seconds?: number;
  /** Orders per second. */
  readonly rate: number;
  /** Every n-th order is marked to fail at the pay step (0: none). */
  readonly failEvery: number;
  readonly prefix: string;
  /** Kafka to use; default SPACELOG_KAFKA_BROKERS, else the local stack. */
  readonly brokers?: readonly string[];
  /** Run the PostgreSQL mirror; default true. */
  readonly mirror: boolean;
  readonly signal: AbortSignal;
}

/** How long the pipeline may take to finish the orders in flight once the feeder stopped. */
const DRAIN_MS = 20_000;

export async function runPipeline(options: PipelineRunOptions): Promise<void> {
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const config = readUnitConfigFile(path.join(packageRoot(), 'examples', 'orders-pipeline', 'unit.json'));
  const { space } = config.options;
  const stack = await runnerStack(options.brokers, say);
  const units: ProcessingUnit[] = [];
  const pipelines: PipelineUnit[] = [];
  let mirror: MirrorProjector | undefined;
  let client: RemoteSpace | undefined;
  try {
    if (options.signal.aborted) return;
    const types = SchemaLoader.loadFolder(String(config.options.schemas));
    const mirrorSchema = demoMirrorSchema(options.prefix, 'spacelog');
    if (options.mirror) {
      const reset = await resetStaleDemoMirror({
        databaseUrl: stack.databaseUrl,
        schema: mirrorSchema,
        space,
        partitions: config.options.partitions,
        prefix: options.prefix,
        brokers: stack.brokers,
        types,
      });
      if (reset)
        say(
          `mirror: the rows in ${mirrorSchema} came from an earlier Kafka; emptied them to mirror this one`,
        );
      mirror = new MirrorProjector({
        space,
        schemas: types,
        database: stack.databaseUrl,
        schema: mirrorSchema,
        prefix: options.prefix,
        kafka: { brokers: stack.brokers },
        createTables: true, // a demo's shortcut; production uses `spacelog migrate`
        onError: (error) => say(`mirror stopped: ${error.message}`),
      });
      say(`mirror: PostgreSQL ${redactUrl(stack.databaseUrl)}, schema ${mirrorSchema}`);
      void mirror.start().catch(() => undefined); // reported by onError; the pipeline runs without it
    }
    // The services module of unit.json, with its options from the environment, wrapped to keep what
    // it returns (its containers' counters feed the figures).
    const pipeline = createPipeline(pipelineOptionsFromEnv());
    for (const name of ['a', 'b']) {
      const unit = await ProcessingUnit.start(
        {
          ...config.options,
          unit: `${space}-${name}`,
          port: 0,
          // Metrics, probes and the web console on a port of its own (any free one).
          http: { port: 0 },
          prefix: options.prefix,
          kafka: { ...config.options.kafka, brokers: stack.brokers },
          services: { start: (ctx) => void pipelines.push(pipeline.start(ctx)) },
        },
        config.baseDir,
      );
      units.push(unit);
      const ops =
        unit.http === undefined
          ? ''
          : `, console ${unit.http.url}/console/, metrics ${unit.http.url}/metrics`;
      say(`unit ${unit.name} serving ${unit.endpoint}${ops}`);
    }
    client = await Spacelog.connect({ bootstrap: units.map((u) => u.endpoint), space });
    const earlier = await client.count(ORDER_TYPE);
    if (earlier > 0) say(`the space holds ${earlier} orders of earlier runs (revenue counts them too)`);
    const feeder = new OrderFeeder({
      space: client,
      rate: options.rate,
      failEvery: options.failEvery,
    }).start();
    say(
      `feeding ${options.rate} orders/s (run ${feeder.runId}; every ${options.failEvery || '-'}th marked to fail at pay); ` +
        (options.seconds === undefined ? 'Ctrl-C stops' : `running ${options.seconds} s`),
    );
    const figures = new Figures(feeder, pipelines, client, mirror);
    const until = options.seconds === undefined ? Infinity : Date.now() + options.seconds * 1000;
    while (!options.signal.aborted && Date.now() < until) {
      await sleep(Math.max(0, Math.min(1000, until - Date.now())), undefined, {
        signal: options.signal,
      }).catch(() => undefined);
      say(await figures.line());
    }
    await feeder.stop();
    say('feeder stopped; letting the pipeline finish the orders in flight');
    const drainUntil = Date.now() + DRAIN_MS;
    while ((await inFlight(client)) > 0 && Date.now() < drainUntil) {
      await sleep(1000);
      say(await figures.line());
    }
    if (mirror !== undefined) {
      const caughtUp = await mirror.waitForCatchUp(15_000).then(
        () => true,
        () => false,
      );
      say(caughtUp ? 'mirror caught up with the log' : 'mirror not caught up yet (it resumes next time)');
      const table = (type: string): string =>
        `${mirrorSchema}.${mapEntryType(space, types.require(type), mirrorSchema).table}`;
      const psql = `psql ${redactUrl(stack.databaseUrl)} -c`;
      say('look at it in PostgreSQL:');
      say(
        `  ${psql} "SELECT status, count(*) AS orders, round(sum(total_cents) / 100.0, 2) AS amount ` +
          `FROM ${table(ORDER_TYPE)} GROUP BY status ORDER BY status;"`,
      );
      say(
        `  ${psql} "SELECT customer_id, orders, round(total_cents / 100.0, 2) AS shipped FROM ${table(TOTAL_TYPE)} ` +
          `ORDER BY total_cents DESC LIMIT 5;"`,
      );
    }
  } finally {
    await client?.close().catch(() => undefined);
    if (units.length > 0) say('stopping the units (each hands its partitions over, then leaves the group)');
    await Promise.all(units.map((u) => u.close().catch(() => undefined)));
    await mirror?.stop().catch(() => undefined);
    await stack.release();
  }
}

/** Orders not shipped nor dead-lettered yet. */
async function inFlight(space: RemoteSpace): Promise<number> {
  const counts = await Promise.all(
    (['NEW', 'VALIDATED', 'PAID'] as const).map((status) =>
      space.count(ORDER_TYPE, { template: { status } }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** The progress line: this run's counts from the feeder and the containers, revenue over the space. */
class Figures {
  private readonly startedAt = Date.now();

  constructor(
    private readonly feeder: OrderFeeder,
    private readonly pipelines: readonly PipelineUnit[],
    private readonly space: RemoteSpace,
    private readonly mirror: MirrorProjector | undefined,
  ) {}

  async line(): Promise<string> {
    const seconds = Math.round((Date.now() - this.startedAt) / 1000);
    const revenue = await revenueOf(this.space).then(
      (cents) => (cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2 }),
      () => '?',
    );
    const lag = this.mirror === undefined ? '' : `  mirror lag ${await this.mirrorLag()}`;
    return (
      `${String(seconds).padStart(4)} s  fed ${this.feeder.fed}  validated ${this.processed('validate')}  ` +
      `paid ${this.processed('pay')}  shipped ${this.processed('ship')}  dead letters ${this.deadLettered()}  ` +
      `revenue ${revenue}${lag}` +
      (this.feeder.errors > 0 ? `  feed errors ${this.feeder.errors}` : '')
    );
  }

  /** Orders a step committed in this run, over both units (counters kept across partition moves). */
  private processed(step: StepName): number {
    let n = 0;
    for (const p of this.pipelines) for (const s of p.steps[step].status().partitions) n += s.processed;
    return n;
  }

  /** Orders a step gave up on in this run (moved to PipelineOrderDeadLetter). */
  private deadLettered(): number {
    let n = 0;
    for (const p of this.pipelines)
      for (const container of Object.values(p.steps))
        for (const s of container.status().partitions) n += s.deadLettered;
    return n;
  }

  private async mirrorLag(): Promise<string> {
    try {
      const lag = await this.mirror!.lag();
      return `${lag.reduce((n, l) => n + l.records, 0)} records`;
    } catch {
      return 'waiting';
    }
  }
}

/** `node dist/examples/orders-pipeline/run.js [--seconds N] [--rate N] [--fail-every N] [--prefix p] [--brokers h:p] [--no-mirror]`. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      rate: { type: 'string', default: '50' },
      'fail-every': { type: 'string', default: '25' },
      prefix: { type: 'string', default: 'spacelog' },
      brokers: { type: 'string' },
      'no-mirror': { type: 'boolean', default: false },
    },
  });
  const number = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0)
      throw new RangeError(`--${name} must be a non-negative number, got '${value}'`);
    return n;
  };
  const stop = new AbortController();
  const removeHandlers = onStopSignal(() => stop.abort());
  try {
    const seconds = number('seconds', values.seconds);
    await runPipeline({
      ...(seconds === undefined ? {} : { seconds }),
      rate: number('rate', values.rate) ?? 50,
      failEvery: number('fail-every', values['fail-every']) ?? 25,
      prefix: values.prefix,
      ...(values.brokers === undefined ? {} : { brokers: values.brokers.split(',') }),
      mirror: !values['no-mirror'],
      signal: stop.signal,
    });
  } finally {
    removeHandlers();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `example:pipeline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
