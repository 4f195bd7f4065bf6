import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { partitionOf } from '../../../src/api/partitionOf';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { Mutation } from '../../../src/space/Mutation';
import { gridTestKit } from '../../support';
import { seededRandom } from '../../support/seededRandom';
import { foldLog, pictureOf } from '../../integration/grid/foldLog';
import { expectVerified } from '../../support/expectVerified';

const ROOT = path.resolve(__dirname, '../../..');
const WORKER = path.join(ROOT, 'dist/test/fault/grid/transactionWorker.js');
const SCHEMAS = path.join(ROOT, 'schemas/examples');
const PARTITIONS = 3;
const ROUNDS = 3;

/** Starts the transaction worker (process A) and resolves once it has committed `commits` transactions. */
function startWorker(
  prefix: string,
  space: string,
  round: number,
  commits: number,
): Promise<{ child: ChildProcess; committed: Set<string> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, prefix, space, String(PARTITIONS), `z${round}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const committed = new Set<string>();
    let settled = false;
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as { op?: string; pair?: string; error?: string };
      if (line.op === 'committed' && line.pair !== undefined) committed.add(line.pair);
      if (!settled && committed.size >= commits) {
        settled = true;
        resolve({ child, committed });
      }
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`worker A ended before it committed (${String(code ?? signal)})`));
    });
  });
}

function customer(id: string): Record<string, unknown> {
  return { id, name: 'takeover', email: `${id}@example.com`, city: 'Oslo', tier: 'GOLD', createdAt: 1 };
}

/** One id routed to each partition, for B's first write there. */
function oneIdPerPartition(tag: string): string[] {
  const ids: string[] = [];
  for (let k = 0; k < PARTITIONS; k++) {
    for (let j = 0; ; j++) {
      if (partitionOf(`${tag}-${j}`, PARTITIONS) === k) {
        ids.push(`${tag}-${j}`);
        break;
      }
    }
  }
  return ids;
}

describe('zombie writer of multi-partition transactions: SIGSTOP it mid-commit, take the space over, SIGCONT it', () => {
  const kit = gridTestKit();
  const { prefix, brokers } = kit;
  const space = 'txzombie';

  afterAll(() => kit.cleanup());

  it(`no record of the paused writer becomes state after the new primary's first write, over ${ROUNDS} rounds`, async () => {
    const random = seededRandom('transaction zombie');
    const takeoverOrigins: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { child } = await startWorker(prefix, space, round, 5 + random.between(0, 20));
      try {
        // A loops two-partition transactions on 12 loops: a stop now catches some mid-commit.
        child.kill('SIGSTOP');
        const origin = `takeover-${round}`;
        takeoverOrigins.push(origin);
        const grid = await LocalGrid.start({
          space,
          partitions: PARTITIONS,
          schemas: SCHEMAS,
          prefix,
          kafka: { brokers },
          origin,
        });
        try {
          for (const id of oneIdPerPartition(`b${round}`)) await grid.space.write('Customer', customer(id));
          child.kill('SIGCONT');
          // A wakes with its transactions half sent: let it try to finish them, and fail.
          await new Promise((r) => setTimeout(r, 2000 + random.between(0, 2000)));
          for (const id of oneIdPerPartition(`b${round}-after`))
            await grid.space.write('Customer', customer(id));
        } finally {
          await grid.close();
        }
      } finally {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
    }

    // Per partition, by writer identity (Kafka producer id and epoch of each record's batch): after a
    // takeover's first record, only that takeover's writer appears until the next round's worker starts.
    const records = new Map<number, { offset: number; writer: string; m: Mutation }[]>();
    const fold = await foldLog({
      brokers,
      prefix,
      space,
      partitions: PARTITIONS,
      types: SchemaLoader.loadFolder(SCHEMAS),
      onMutation: (k, m, offset, writer) =>
        records.set(k, [...(records.get(k) ?? []), { offset, writer, m }]),
    });
    const zombie: string[] = [];
    let checked = 0;
    for (let k = 0; k < PARTITIONS; k++) {
      const log = records.get(k) ?? [];
      for (const origin of takeoverOrigins) {
        const first = log.findIndex((r) => r.m.origin === origin);
        expect({ partition: k, origin, wrote: first >= 0 }).toEqual({ partition: k, origin, wrote: true });
        const writer = log[first]!.writer;
        // The takeover's window ends with its last record (the next round's worker fences it in turn).
        const last = log.map((r) => r.m.origin).lastIndexOf(origin);
        for (const r of log.slice(first, last + 1)) {
          checked++;
          if (r.writer !== writer) {
            zombie.push(
              `partition ${k} offset ${r.offset}: ${r.m.op} ${r.m.id} by ${r.writer} (origin ${r.m.origin})`,
            );
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2 * PARTITIONS * ROUNDS);
    expect(zombie).toEqual([]);

    // No transaction is torn: every pair is whole or absent, in the fold and in a fresh grid's warm-up.
    const pairs = new Map<string, number>();
    for (const [key, { entry }] of Object.entries(fold)) {
      if (key.startsWith('Customer/pair-')) {
        const name = String((entry as { name?: string }).name);
        pairs.set(name, (pairs.get(name) ?? 0) + 1);
      }
    }
    expect([...pairs].filter(([, n]) => n !== 2)).toEqual([]);
    expect(pairs.size).toBeGreaterThan(0);
    const grid = await LocalGrid.start({
      space,
      partitions: PARTITIONS,
      schemas: SCHEMAS,
      prefix,
      kafka: { brokers },
    });
    try {
      expect(pictureOf(grid.entries())).toEqual(fold);
      // spacelog verify at the suite's end: the fresh grid against the fold of the log (versions and
      // leases too), through its snapshot tasks.
      await expectVerified({ space, prefix, kafka: { brokers }, grid: grid.space, types: grid.types });
    } finally {
      await grid.close();
    }
  }, 300_000);
});
