/**
 * Engine benchmark: one SpaceEngine (no sink) holding N Orders (default 1,000,000), against a plain Map
 * of the same frozen objects with the same random key pattern, in the same run. Each side runs in its
 * own child process holding only its own N entries (bench/engine/), so neither side's GC marks the
 * other's data. Reads and the write of new entries run in 5 rounds interleaved with their Map baseline;
 * each reports its median rate and the median of its per-round ratios (the shared VM's speed drifts by
 * half within minutes). The range query and the take run once, at N resident.
 * Usage: node --expose-gc dist/bench/engine.js [N]
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { ONE_SHOT_OPS, ROUNDS, type CaseMeasurement, type SideReady } from './engine/sides';
import { emit, median, progress } from './report';

const N = Number(process.argv[2] ?? 1_000_000);
const OPS = Math.min(N, 1_000_000);
const NEW_ORDERS = 200_000;

/** One side's child process, asked for one case at a time. */
class SideClient {
  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly heapBytesPerEntry: number,
  ) {}

  static async start(name: 'map' | 'indexed-map' | 'engine'): Promise<SideClient> {
    const child = fork(
      path.join(__dirname, 'engine', 'sideProcess.js'),
      [name, String(N), String(OPS), String(NEW_ORDERS)],
      {
        execArgv: ['--expose-gc', '--max-old-space-size=8192'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const ready = await new Promise<SideReady>((resolve, reject) => {
      child.once('message', (m: SideReady) => resolve(m));
      child.once('exit', (code) =>
        reject(new Error(`${name} side exited with ${String(code)} while loading`)),
      );
    });
    child.removeAllListeners('exit');
    return new SideClient(name, child, ready.heapBytesPerEntry);
  }

  run(name: string, round = 0): Promise<CaseMeasurement> {
    return new Promise((resolve, reject) => {
      // A side that dies mid-case (out of memory) fails the run instead of leaving it waiting.
      const onExit = (code: number | null): void =>
        reject(new Error(`${this.name} side exited with ${String(code)} during ${name}`));
      this.child.once('exit', onExit);
      this.child.once('message', (m: CaseMeasurement | { error: string }) => {
        this.child.off('exit', onExit);
        if ('error' in m) reject(new Error(`${this.name} side, ${name}: ${m.error}`));
        else resolve(m);
      });
      this.child.send({ name, round });
    });
  }

  stop(): void {
    this.child.send('exit');
  }
}

/** One case's measurements, one per round. */
type Rounds = CaseMeasurement[];

const wallRate = (m: CaseMeasurement): number => m.ops / m.wallSeconds;
const cpuRate = (m: CaseMeasurement): number => m.ops / m.cpuSeconds;

/** Runs each (side, case) once per round, in the same order each round. */
async function interleaved(
  cases: ReadonlyArray<readonly [SideClient, string]>,
): Promise<Map<string, Rounds>> {
  const out = new Map<string, Rounds>(cases.map(([, name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    progress(`round ${round + 1} of ${ROUNDS}: ${cases.map(([, name]) => name).join(', ')}`);
    for (const [side, name] of cases) (out.get(name) as Rounds).push(await side.run(name, round));
  }
  return out;
}

/** Fails the run when a case did not find what it must (every id exists, every template matches one). */
function expectHits(name: string, rounds: Rounds): void {
  for (const m of rounds) {
    const hits = m.extra?.['hits'];
    if (hits !== undefined && hits !== m.ops)
      throw new Error(`bench consistency: ${name} hit ${hits} of ${m.ops}`);
  }
}

/** Prints a case measured in rounds: its median rate, and the median of its per-round ratios. */
function emitRounds(
  name: string,
  rounds: Rounds,
  baseline?: { name: string; rounds: Rounds },
  second?: { name: string; rounds: Rounds },
): void {
  const ratioTo = (other: Rounds): number =>
    median(rounds.map((m, i) => wallRate(m) / wallRate(other[i] ?? m)));
  emit({
    bench: 'engine',
    case: name,
    value: Math.round(median(rounds.map(wallRate))),
    unit: 'ops/s',
    cpu_ops_s: Math.round(median(rounds.map(cpuRate))),
    rounds: ROUNDS,
    ...(baseline
      ? {
          baseline: { name: baseline.name, value: Math.round(median(baseline.rounds.map(wallRate))) },
          ratio: ratioTo(baseline.rounds),
        }
      : {}),
    ...(second
      ? {
          baselines: {
            [second.name]: {
              value: Math.round(median(second.rounds.map(wallRate))),
              ratio: Math.round(ratioTo(second.rounds) * 1000) / 1000,
            },
          },
        }
      : {}),
  });
}

/** Prints a case run once. */
function emitOnce(name: string, m: CaseMeasurement): void {
  const { hits: _hits, resident: _resident, ...extra } = m.extra ?? {};
  emit({
    bench: 'engine',
    case: name,
    value: Math.round(wallRate(m)),
    unit: 'ops/s',
    cpu_ops_s: Math.round(cpuRate(m)),
    ...extra,
    ...(m.p50_ms !== undefined ? { p50_ms: m.p50_ms, p99_ms: m.p99_ms } : {}),
  });
}

function expectResident(name: string, m: CaseMeasurement, expected: number): void {
  const resident = m.extra?.['resident'];
  if (resident !== expected)
    throw new Error(
      `bench consistency: ${expected} resident expected after ${name}, got ${String(resident)}`,
    );
}

async function main(): Promise<void> {
  // One at a time: loading is CPU-bound and the machine has few cores.
  const map = await SideClient.start('map');
  const engine = await SideClient.start('engine').catch((error: unknown) => {
    map.stop();
    throw error;
  });
  try {
    emit({
      bench: 'engine',
      case: 'heap-bytes-per-order',
      value: Math.round(engine.heapBytesPerEntry),
      unit: 'bytes',
      baseline: { name: 'Map of frozen objects', value: Math.round(map.heapBytesPerEntry) },
    });

    const reads = await interleaved([
      [map, 'baseline-map-get'],
      [engine, 'read-by-id'],
      [engine, 'read-by-id-sync-lookup'],
      [engine, 'template-read-equality-one-match'],
      [engine, 'template-read-equality-one-match-sync'],
    ]);
    const mapGet = reads.get('baseline-map-get') as Rounds;
    emitRounds('baseline-map-get', mapGet);
    for (const [name, rounds] of reads) {
      expectHits(name, rounds);
      if (name !== 'baseline-map-get') emitRounds(name, rounds, { name: 'Map.get', rounds: mapGet });
    }

    progress('range queries, then takes handed to waiting takers, at N resident');
    emitOnce('range-query-100', await engine.run('range-query-100'));
    const takes = await engine.run('take-to-waiting-taker');
    expectHits('take-to-waiting-taker', [takes]);
    expectResident('take-to-waiting-taker', takes, N);
    emitOnce('take-to-waiting-taker', takes);

    // The indexed Map loads only now: three resident millions at once would crowd the reads' caches.
    const indexed = await SideClient.start('indexed-map');
    let writes;
    try {
      writes = await interleaved([
        [map, 'baseline-map-set-frozen-order'],
        [indexed, 'baseline-indexed-map-set-frozen-order'],
        [engine, 'write-new-entry'],
      ]);
    } finally {
      indexed.stop();
    }
    const mapSet = writes.get('baseline-map-set-frozen-order') as Rounds;
    const indexedSet = writes.get('baseline-indexed-map-set-frozen-order') as Rounds;
    const written = writes.get('write-new-entry') as Rounds;
    expectResident('write-new-entry', written[ROUNDS - 1] as CaseMeasurement, N + NEW_ORDERS);
    expectResident('indexed Map', indexedSet[ROUNDS - 1] as CaseMeasurement, N + NEW_ORDERS);
    emitRounds('baseline-map-set-frozen-order', mapSet);
    emitRounds('baseline-indexed-map-set-frozen-order', indexedSet, {
      name: 'Map.set of the frozen order',
      rounds: mapSet,
    });
    emitRounds(
      'write-new-entry',
      written,
      { name: 'Map.set of the frozen order', rounds: mapSet },
      {
        name: 'Map + 5 hand-kept indexes',
        rounds: indexedSet,
      },
    );

    const asyncWrites = await engine.run('write-new-entry-async');
    expectResident('write-new-entry-async', asyncWrites, N + NEW_ORDERS + ONE_SHOT_OPS);
    emitOnce('write-new-entry-async', asyncWrites);
    progress('done');
  } finally {
    map.stop();
    engine.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
