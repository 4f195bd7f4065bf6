/**
 * Cases 2 and 3, on one processing unit leading every partition (`ProcessingUnit.start`, no backup):
 *  - 2: `ctx.space.read` by id from the unit's services module (in-process on a partition it leads)
 *    against `engine.read` on the same engine, and against today's loopback path (a RemoteSpace
 *    connected to the unit's own server), one call at a time, interleaved in rounds;
 *  - 3: from a remote client in another process (executeClient.ts), `execute` of a trivial task
 *    against `read` by id, both routed to the same partitions, p50 and p99, interleaved in rounds.
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { RemoteSpace } from '../../src/client/RemoteSpace';
import { ProcessingUnit } from '../../src/cluster/ProcessingUnit';
import type { UnitContext } from '../../src/cluster/UnitConfig';
import type { SpaceEngine } from '../../src/space/SpaceEngine';
import { BROKERS, sleep } from '../kafkaBench';
import { makeOrder, rng } from '../orders';
import { emit, median, progress } from '../report';
import {
  benchTypes,
  type ExecuteRound,
  loadAverage,
  PARTITIONS,
  PING_TASK,
  readKeys,
  RESIDENT,
  round3,
  ROUNDS,
  inProcess,
  sequential,
  type Timed,
  UNIT_SPACE,
} from './common';

const READ_ROUND_MS = Number(process.env.BENCH_READ_ROUND_MS ?? 1000) || 1000;
const KEYS = 1 << 16;

async function startUnit(prefix: string): Promise<{ unit: ProcessingUnit; ctx: UnitContext }> {
  let captured: UnitContext | undefined;
  const unit = await ProcessingUnit.start({
    space: UNIT_SPACE,
    partitions: PARTITIONS,
    backups: 0,
    schemas: benchTypes(),
    prefix,
    kafka: { brokers: BROKERS },
    port: 0,
    unit: 'bench-unit',
    membership: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 },
    services: {
      start: (ctx: UnitContext) => {
        captured = ctx;
        ctx.tasks.register(PING_TASK, () => 1);
      },
    },
  });
  const deadline = Date.now() + 60_000;
  while (unit.primaries().length < PARTITIONS) {
    if (Date.now() > deadline) throw new Error('the unit did not lead every partition within 60 s');
    await sleep(50);
  }
  if (captured === undefined) throw new Error('the services module was not started');
  return { unit, ctx: captured };
}

/** Case 2: one call at a time, three paths, rounds interleaved (order rotated per round). */
async function readCase(unit: ProcessingUnit, ctx: UnitContext): Promise<void> {
  const keys = readKeys(RESIDENT, KEYS, rng(5));
  const engines: SpaceEngine[] = [];
  for (let k = 0; k < PARTITIONS; k++) engines.push(await unit.engine(k));
  const loopback = await RemoteSpace.connect({ bootstrap: [unit.endpoint], space: UNIT_SPACE });
  const check = (found: unknown, n: number): void => {
    if (found === null) throw new Error(`bench consistency: ${keys.ids[n % KEYS]} not found`);
  };
  const paths: Record<'collocated' | 'engine' | 'loopback', (n: number) => Promise<void>> = {
    collocated: async (n) => {
      const i = n % KEYS;
      check(await ctx.space.read('Order', { id: keys.ids[i]! }, { routing: keys.routings[i] }), n);
    },
    engine: async (n) => {
      const i = n % KEYS;
      check(await engines[keys.partitions[i]!]!.read('Order', { id: keys.ids[i]! }), n);
    },
    loopback: async (n) => {
      const i = n % KEYS;
      check(await loopback.read('Order', { id: keys.ids[i]! }, { routing: keys.routings[i] }), n);
    },
  };
  const names = Object.keys(paths) as (keyof typeof paths)[];
  // In-process paths per batch (sub-microsecond calls), the loopback client per call.
  const measure = (name: keyof typeof paths, ms: number): Promise<Timed> =>
    name === 'loopback' ? sequential(ms, paths[name]) : inProcess(ms, paths[name]);
  const results: Record<string, Timed[]> = { collocated: [], engine: [], loopback: [] };
  try {
    progress('read by id: warm-up');
    for (const name of names) await measure(name, 500);
    for (let round = 0; round < ROUNDS; round++) {
      for (let j = 0; j < names.length; j++) {
        const name = names[(round + j) % names.length]!;
        global.gc?.();
        const r = await measure(name, READ_ROUND_MS);
        results[name]!.push(r);
        progress(`read round ${round + 1} ${name}: ${r.opsPerSecond} reads/s, p50 ${r.p50} ms`);
      }
    }
  } finally {
    await loopback.close();
  }
  const ratioTo = (baseline: string): number =>
    round3(
      median(
        results.collocated!.map((r, i) => r.opsPerSecond / Math.max(1, results[baseline]![i]!.opsPerSecond)),
      ),
    );
  const med = (name: string, pick: (t: Timed) => number): number => median(results[name]!.map(pick));
  const nsPerRead = (name: string): number =>
    Math.round(
      1e9 /
        Math.max(
          1,
          med(name, (t) => t.opsPerSecond),
        ),
    );
  emit({
    bench: 'processing',
    case: 'ctx-space-read-by-id-local-primary',
    value: med('collocated', (t) => t.opsPerSecond),
    unit: 'reads/s (one at a time)',
    baseline: { name: 'engine.read by id, same engine', value: med('engine', (t) => t.opsPerSecond) },
    ratio: ratioTo('engine'),
    ns_per_read: nsPerRead('collocated'),
    baselines: {
      'engine.read': {
        value: med('engine', (t) => t.opsPerSecond),
        ratio: ratioTo('engine'),
        ns_per_read: nsPerRead('engine'),
      },
      'loopback RemoteSpace to the unit’s own server (today’s path)': {
        value: med('loopback', (t) => t.opsPerSecond),
        ratio: ratioTo('loopback'),
        p50_ms: med('loopback', (t) => t.p50),
        p99_ms: med('loopback', (t) => t.p99),
      },
    },
    rounds: ROUNDS,
    resident: RESIDENT,
    load_average_1m: loadAverage(),
  });
}

/** Case 3: runs the client in a child process (as a real remote client), which answers per round. */
async function executeCase(unit: ProcessingUnit): Promise<void> {
  const child = fork(path.join(__dirname, 'executeClient.js'), [unit.endpoint, String(ROUNDS)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--expose-gc'],
  });
  const rounds = await new Promise<ExecuteRound[]>((resolve, reject) => {
    child.once('message', (m: { rounds?: ExecuteRound[]; error?: string }) =>
      m.rounds ? resolve(m.rounds) : reject(new Error(m.error)),
    );
    child.once('exit', (code) => reject(new Error(`execute client exited with ${String(code)}`)));
  });
  const med = (pick: (r: ExecuteRound) => number): number => median(rounds.map(pick));
  for (const p of ['p50', 'p99'] as const) {
    emit({
      bench: 'processing',
      case: `remote-execute-round-trip-${p}`,
      value: med((r) => r.execute[p]),
      unit: `ms (${p}, one call at a time)`,
      baseline: { name: `remote read by id (${p})`, value: med((r) => r.read[p]) },
      ratio: round3(med((r) => r.execute[p] / Math.max(r.read[p], 1e-6))),
      p50_ms: med((r) => r.execute.p50),
      p99_ms: med((r) => r.execute.p99),
      execute_calls_per_s: med((r) => r.execute.opsPerSecond),
      read_calls_per_s: med((r) => r.read.opsPerSecond),
      baseline_p50_ms: med((r) => r.read.p50),
      baseline_p99_ms: med((r) => r.read.p99),
      rounds: rounds.length,
      load_average_1m: loadAverage(),
    });
  }
}

/** Starts the unit, fills it, runs cases 2 and/or 3. */
export async function unitCases(prefix: string, which: { read: boolean; execute: boolean }): Promise<void> {
  progress('unit: starting a processing unit leading all partitions');
  const { unit, ctx } = await startUnit(prefix);
  try {
    const random = rng(7);
    for (let i = 0; i < RESIDENT; i += 500) {
      const writes: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(RESIDENT, i + 500); j++)
        writes.push(ctx.space.write('Order', makeOrder(j, random)));
      await Promise.all(writes);
    }
    if (which.read) await readCase(unit, ctx);
    if (which.execute) await executeCase(unit);
  } finally {
    await unit.close();
  }
}
