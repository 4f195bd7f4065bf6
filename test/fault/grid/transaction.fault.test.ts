import * as path from 'node:path';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { gridTestKit, killAfterReady } from '../../support';
import { foldLog, pictureOf, type EntryPicture } from '../../integration/grid/foldLog';
import { expectVerified } from '../../support/expectVerified';

const ROOT = path.resolve(__dirname, '../../..');
const WORKER = path.join(ROOT, 'dist/test/fault/grid/transactionWorker.js');
const SCHEMAS = path.join(ROOT, 'schemas/examples');
const ROUNDS = 6;

interface Acks {
  committed: Set<string>;
  taken: Set<string>;
  takeAttempts: Set<string>;
}

/** Runs one worker until `killAfterMs` after it is ready, then SIGKILLs it; records its acknowledgements. */
async function runRound(
  brokers: string[],
  prefix: string,
  space: string,
  round: number,
  killAfterMs: number,
  acks: Acks,
): Promise<number> {
  let count = 0;
  const env = { ...process.env, SPACELOG_KAFKA_BROKERS: brokers.join(',') };
  await killAfterReady(
    WORKER,
    [prefix, space, '3', String(round)],
    killAfterMs,
    (line) => {
      const pair = String(line.pair);
      if (line.op === 'committed') {
        acks.committed.add(pair);
        count++;
      } else if (line.op === 'taking') acks.takeAttempts.add(pair);
      else if (line.op === 'taken') acks.taken.add(pair);
    },
    env,
  );
  return count;
}

/** Pair name → how many of its two entries exist. */
function pairsIn(picture: EntryPicture): Map<string, number> {
  const pairs = new Map<string, number>();
  for (const [key, { entry }] of Object.entries(picture)) {
    const name = (entry as { name?: string }).name ?? '';
    if (key.startsWith('Customer/pair-')) pairs.set(name, (pairs.get(name) ?? 0) + 1);
  }
  return pairs;
}

describe('crash: SIGKILL a grid in the middle of multi-partition transactions', () => {
  const kit = gridTestKit();
  const { prefix, brokers } = kit;
  const space = 'txcrash';

  afterAll(() => kit.cleanup());

  it(`leaves every pair complete or absent, and loses no acknowledged transaction, over ${ROUNDS} kills`, async () => {
    const acks: Acks = { committed: new Set(), taken: new Set(), takeAttempts: new Set() };
    let acknowledged = 0;
    for (let round = 0; round < ROUNDS; round++) {
      acknowledged += await runRound(
        brokers,
        prefix,
        space,
        round,
        400 + Math.floor(Math.random() * 1200),
        acks,
      );
    }
    expect(acknowledged).toBeGreaterThan(ROUNDS * 5); // transactions really ran before each kill

    const grid = await LocalGrid.start({
      space,
      partitions: 3,
      schemas: SCHEMAS,
      prefix,
      kafka: { brokers },
    });
    try {
      const state = pictureOf(grid.entries());
      const pairs = pairsIn(state);
      const halves = [...pairs].filter(([, count]) => count !== 2).map(([pair]) => pair);
      expect(halves).toEqual([]);
      const lost: string[] = [];
      for (const pair of acks.committed) {
        const present = pairs.has(pair);
        if (acks.taken.has(pair)) {
          if (present) lost.push(`${pair}: taken (acknowledged), yet present`);
        } else if (!present && !acks.takeAttempts.has(pair)) {
          lost.push(`${pair}: committed (acknowledged), now missing`);
        }
      }
      expect(lost).toEqual([]);
      // A plain read_committed reader of the raw topics sees the same: no half transaction anywhere.
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
