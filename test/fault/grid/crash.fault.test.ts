import * as path from 'node:path';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { gridTestKit, killAfterReady } from '../../support';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { foldLog, pictureOf } from '../../integration/grid/foldLog';

const ROOT = path.resolve(__dirname, '../../..');
const WORKER = path.join(ROOT, 'dist/test/fault/children/gridWorker.js');
const SCHEMAS = path.join(ROOT, 'schemas/examples');
const ROUNDS = 10;

interface Acks {
  versions: Map<string, number>;
  taken: Set<string>;
  takeAttempts: Set<string>;
}

/** Runs one worker until `killAfterMs` after it is ready, then SIGKILLs it; records every acknowledgement it printed. */
async function runRound(
  prefix: string,
  space: string,
  round: number,
  killAfterMs: number,
  acks: Acks,
): Promise<number> {
  let count = 0;
  await killAfterReady(WORKER, [prefix, space, '3', String(round)], killAfterMs, (line) => {
    const id = String(line.id);
    if (line.op === 'taking') acks.takeAttempts.add(id);
    else if (line.op === 'take') acks.taken.add(id);
    else if (typeof line.version === 'number') {
      acks.versions.set(id, Math.max(acks.versions.get(id) ?? 0, line.version));
      count++;
    }
  });
  return count;
}

describe('crash: SIGKILL a grid process under sync load', () => {
  const kit = gridTestKit();
  const { prefix, brokers } = kit;
  const space = 'orders';

  afterAll(() => kit.cleanup());

  it(`loses no acknowledged operation over ${ROUNDS} kills`, async () => {
    const acks: Acks = { versions: new Map(), taken: new Set(), takeAttempts: new Set() };
    let acknowledged = 0;
    for (let round = 0; round < ROUNDS; round++) {
      acknowledged += await runRound(prefix, space, round, 300 + Math.floor(Math.random() * 1200), acks);
    }
    expect(acknowledged).toBeGreaterThan(ROUNDS * 20); // the load really ran before each kill

    const grid = await LocalGrid.start({ space, partitions: 3, schemas: SCHEMAS, prefix });
    try {
      const state = pictureOf(grid.entries());
      const lost: string[] = [];
      for (const [id, version] of acks.versions) {
        const found = state[`Order/${id}`];
        if (acks.taken.has(id)) {
          if (found) lost.push(`${id}: its take was acknowledged, yet it is back`);
        } else if (!found) {
          // Only an attempted take may remove an entry without an acknowledgement (killed before it was answered).
          if (!acks.takeAttempts.has(id)) lost.push(`${id}: acknowledged at version ${version}, now missing`);
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
    } finally {
      await grid.close();
    }
  }, 300_000);
});
