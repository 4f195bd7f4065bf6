import * as path from 'node:path';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { gridTestKit, killAfterReady } from '../../support';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { foldLog, pictureOf } from '../../integration/grid/foldLog';
import { expectVerified } from '../../support/expectVerified';
import { seededRandom } from '../../support/seededRandom';

const ROOT = path.resolve(__dirname, '../../..');
const WORKER = path.join(ROOT, 'dist/test/fault/children/gridWorker.js');
const SCHEMAS = path.join(ROOT, 'schemas/examples');
const ROUNDS = 10;

/** Sixteen load loops in the worker: at most that many operations are in flight when it is killed. */
const WORKER_LOOPS = 16;

interface Acks {
  versions: Map<string, number>;
  taken: Set<string>;
  /** Takes the kill interrupted (started, never answered): each may or may not have removed its entry. */
  inFlightTakes: Set<string>;
  /** Acknowledged ids a take by id did not find: losses. */
  takenNothing: string[];
}

/** Runs one worker until `killAfterMs` after it is ready, then SIGKILLs it; records every acknowledgement it printed. */
async function runRound(
  prefix: string,
  space: string,
  round: number,
  killAfterMs: number,
  seed: number,
  acks: Acks,
): Promise<number> {
  let count = 0;
  const taking = new Set<string>();
  await killAfterReady(WORKER, [prefix, space, '3', String(round), String(seed)], killAfterMs, (line) => {
    const id = String(line.id);
    if (line.op === 'taking') taking.add(id);
    else if (line.op === 'take') {
      taking.delete(id);
      acks.taken.add(id);
    } else if (line.op === 'take-null') {
      taking.delete(id);
      acks.takenNothing.push(id);
    } else if (typeof line.version === 'number') {
      acks.versions.set(id, Math.max(acks.versions.get(id) ?? 0, line.version));
      count++;
    }
  });
  // Only the takes the kill cut short are of unknown fate, one per load loop at most.
  expect(taking.size).toBeLessThanOrEqual(WORKER_LOOPS);
  for (const id of taking) acks.inFlightTakes.add(id);
  return count;
}

describe('crash: SIGKILL a grid process under sync load', () => {
  const kit = gridTestKit();
  const { prefix, brokers } = kit;
  const space = 'orders';

  afterAll(() => kit.cleanup());

  it(`loses no acknowledged operation over ${ROUNDS} kills`, async () => {
    const acks: Acks = { versions: new Map(), taken: new Set(), inFlightTakes: new Set(), takenNothing: [] };
    const random = seededRandom('grid crash');
    let acknowledged = 0;
    for (let round = 0; round < ROUNDS; round++) {
      acknowledged += await runRound(prefix, space, round, random.between(300, 1500), random.seed, acks);
    }
    expect(acknowledged).toBeGreaterThan(ROUNDS * 20); // the load really ran before each kill

    const grid = await LocalGrid.start({ space, partitions: 3, schemas: SCHEMAS, prefix });
    try {
      const state = pictureOf(grid.entries());
      const lost: string[] = acks.takenNothing.map(
        (id) => `${id}: acknowledged, yet a take by id found nothing`,
      );
      for (const [id, version] of acks.versions) {
        const found = state[`Order/${id}`];
        if (acks.taken.has(id)) {
          if (found) lost.push(`${id}: its take was acknowledged, yet it is back`);
        } else if (!found) {
          // The law: still readable, or returned by one acknowledged take. The one exception is a take the
          // SIGKILL cut short (started, never answered): it may have committed before the process died.
          if (!acks.inFlightTakes.has(id))
            lost.push(`${id}: acknowledged at version ${version}, now missing`);
        } else if (found.version < version) {
          lost.push(`${id}: acknowledged at version ${version}, now at ${found.version}`);
        }
      }
      expect(lost).toEqual([]);
      const fold = await foldLog({
        brokers,
        prefix,
        space,
        partitions: 3,
        types: SchemaLoader.loadFolder(SCHEMAS),
      });
      expect(fold).toEqual(state);
      // spacelog verify at the suite's end: the restarted grid against the fold of the log (versions and
      // leases too), through its snapshot tasks.
      await expectVerified({ space, prefix, kafka: { brokers }, grid: grid.space, types: grid.types });
    } finally {
      await grid.close();
    }
  }, 300_000);
});
