/**
 * `spacelog verify` benchmark: N Orders (default 1,000,000) in a space of 4 partitions, written to the
 * logs by the product's own PartitionAppender (as bench/warmup.ts fills them), then:
 *
 * 1. the warm-up of a LocalGrid over them (timed: the baseline rate, same run), which then serves the
 *    space over the wire protocol (SpaceServer);
 * 2. the mirror projected into PostgreSQL (MirrorProjector, a schema of its own), when MIRROR=1 (default);
 * 3. `spacelog verify` run as its own process (the CLI from dist/, under /usr/bin/time for its peak
 *    RSS): log against the grid, log against the mirror, and log against both.
 *
 * Each case prints its time, peak RSS of the verifying process and its rate (entries compared per
 * second) against the warm-up rate (target: at least 0.5 x).
 * Usage: npm run bench -- verify [N]   (MIRROR=0 to leave the mirror cases out)
 */
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { LocalGrid } from '../src/cluster/LocalGrid';
import { partitionOf } from '../src/api/partitionOf';
import { PartitionAppender } from '../src/log/append/PartitionAppender';
import { SchemaTopic } from '../src/log/read/SchemaTopic';
import { TopicAdmin } from '../src/log/admin/TopicAdmin';
import { createMirrorTables } from '../src/mirror/createMirrorTables';
import { databaseUrlFromEnv } from '../src/mirror/databaseUrl';
import { MirrorProjector } from '../src/mirror/MirrorProjector';
import { quoteIdent } from '../src/mirror/naming';
import { SpaceServer } from '../src/net/SpaceServer';
import type { Mutation } from '../src/space/Mutation';
import {
  BROKERS,
  kafkaClient,
  loadTypes,
  orderCodec,
  SCHEMAS,
  uniquePrefix,
  writeMutation,
} from './kafkaBench';
import { makeOrder, rng } from './orders';
import { emit, progress } from './report';

const N = Number(process.argv[2] ?? 1_000_000);
const WITH_MIRROR = process.env.MIRROR !== '0';
const PARTITIONS = 4;
const SPACE = 'orders';
const CHUNK = 500;
const MAX_PENDING_APPENDS = 64;
const BIN = path.resolve(__dirname, '../../bin/spacelog.js');
const prefix = uniquePrefix('verify');
const kafka = kafkaClient('bench-verify');
const admin = new TopicAdmin({ kafka, prefix });
const schema = `bench_verify_${process.pid}`;

/** Fills the space's logs with N committed WRITE mutations through the product's appender. */
async function fill(): Promise<void> {
  const types = loadTypes();
  const topics = await admin.ensureSpace(SPACE, PARTITIONS);
  await new SchemaTopic({ kafka, topics: admin }).register([...types]);
  const codec = orderCodec(types);
  const appenders = topics.map(
    (_, partition) => new PartitionAppender({ kafka, prefix, space: SPACE, partition, codec }),
  );
  await Promise.all(appenders.map((a) => a.start()));
  const chunks: Mutation[][] = appenders.map(() => []);
  const pending = new Set<Promise<void>>();
  const append = async (partition: number): Promise<void> => {
    const chunk = chunks[partition]!;
    chunks[partition] = [];
    const p = appenders[partition]!.append(chunk);
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => undefined);
    if (pending.size >= MAX_PENDING_APPENDS) await Promise.race(pending);
  };
  const random = rng(5);
  for (let i = 0; i < N; i++) {
    const order = makeOrder(i, random);
    const partition = partitionOf(order.customerId, PARTITIONS);
    chunks[partition]!.push(writeMutation(order, 'bench-verify'));
    if (chunks[partition]!.length >= CHUNK) await append(partition);
    if ((i + 1) % 250_000 === 0) progress(`produced ${i + 1} / ${N}`);
  }
  for (let k = 0; k < PARTITIONS; k++) if (chunks[k]!.length > 0) await append(k);
  await Promise.all(pending);
  await Promise.all(appenders.map((a) => a.close()));
}

/** Runs the CLI under /usr/bin/time: wall seconds, peak RSS (MiB), exit code and its stdout. */
function timedVerify(
  args: readonly string[],
): Promise<{ seconds: number; rssMiB: number; code: number; out: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    execFile(
      '/usr/bin/time',
      [
        '-f',
        'MAXRSS_KB=%M',
        process.execPath,
        '--max-old-space-size=8192',
        // Extra node options for the verifying process, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'.
        ...(process.env.BENCH_VERIFY_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
        BIN,
        'verify',
        ...args,
      ],
      { maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 },
      (error, stdout, stderr) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const kb = Number(/MAXRSS_KB=(\d+)/.exec(stderr)?.[1] ?? NaN);
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        if (code !== 0) progress(`verify exited ${code}: ${stderr.split('\n').slice(-6).join(' | ')}`);
        resolve({ seconds, rssMiB: Math.round(kb / 1024), code, out: stdout.trim().split('\n').pop() ?? '' });
      },
    );
  });
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  progress(`brokers ${BROKERS.join(',')}, prefix ${prefix}, ${N} orders in ${PARTITIONS} partitions`);
  const databaseUrl = databaseUrlFromEnv();
  const knex = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 4 } });
  let grid: LocalGrid | undefined;
  let server: SpaceServer | undefined;
  try {
    await fill();
    progress('LocalGrid.start (warm-up)');
    const started = process.hrtime.bigint();
    grid = await LocalGrid.start({
      space: SPACE,
      partitions: PARTITIONS,
      schemas: SCHEMAS,
      prefix,
      kafka: { brokers: BROKERS },
    });
    const warmupSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const warmupRate = Math.round(N / warmupSeconds);
    progress(`warm-up: ${warmupSeconds.toFixed(2)} s, ${warmupRate}/s`);
    server = await SpaceServer.listen(grid, { port: 0 });
    const common = ['--space', SPACE, '--prefix', prefix, '--brokers', BROKERS.join(',')];
    const gridArgs = ['--grid', `127.0.0.1:${server.port}`];
    const mirrorArgs = ['--mirror', databaseUrl, '--pg-schema', schema, '--schemas', SCHEMAS];
    const cases: { name: string; args: string[] }[] = [{ name: 'grid', args: [...common, ...gridArgs] }];
    if (WITH_MIRROR) {
      await knex.raw(`CREATE SCHEMA ${quoteIdent(schema)}`);
      await createMirrorTables({ knex, schema, space: SPACE, types: grid.types });
      const projector = new MirrorProjector({
        database: knex,
        schema,
        space: SPACE,
        schemas: grid.types,
        prefix,
        kafka: { brokers: BROKERS },
      });
      const projectStart = Date.now();
      await projector.start();
      await projector.waitForCatchUp(30 * 60_000);
      await projector.stop();
      progress(`mirror projected in ${((Date.now() - projectStart) / 1000).toFixed(1)} s`);
      cases.push({ name: 'mirror', args: [...common, '--no-grid', ...mirrorArgs] });
      cases.push({ name: 'grid-and-mirror', args: [...common, ...gridArgs, ...mirrorArgs] });
    }
    for (const c of cases) {
      progress(`spacelog verify: log against the ${c.name}`);
      const run = await timedVerify(c.args);
      progress(`${c.name}: ${run.seconds.toFixed(2)} s, peak RSS ${run.rssMiB} MiB: ${run.out}`);
      if (run.code !== 0) throw new Error(`verify of the ${c.name} failed (exit ${run.code})`);
      emit({
        bench: 'verify',
        case: `verify-${c.name}-${N}-orders-${PARTITIONS}-partitions`,
        value: Math.round(N / run.seconds),
        unit: 'entries/s',
        baseline: { name: 'warm-up (LocalGrid.start) of the same log, same run', value: warmupRate },
        seconds: round3(run.seconds),
        baseline_seconds: round3(warmupSeconds),
        peak_rss_mib: run.rssMiB,
        load_average_1m: Math.round(loadavg()[0]! * 100) / 100,
      });
    }
  } finally {
    await server?.close().catch(() => undefined);
    await grid?.close().catch(() => undefined);
    await knex.raw(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`).catch(() => undefined);
    await knex.destroy();
    progress('deleting topics');
    await admin.deleteAll().catch((e: unknown) => progress(`could not delete topics: ${String(e)}`));
    await admin.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
