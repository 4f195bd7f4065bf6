import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { partitionTopic } from '../../../src/log/admin/topicNames';
import type { MirrorReconcile } from '../../../src/mirror/MirrorConfig';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { pictureOf } from '../grid/foldLog';
import {
  exampleCustomer as customer,
  FAST_COMPACTION,
  fillerOf as fillerIn,
  waitForCompaction,
} from '../../support/compactionKit';
import { EXAMPLE_SCHEMAS, mirrorTestBedForSuite } from './mirrorTestKit';

jest.setTimeout(300_000);

const space = 'customers';
const PARTITIONS = 2;
const CUSTOMERS = 40;
const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);

/** A customer number routed to partition k. */
function fillerOf(k: number): number {
  return fillerIn(k, PARTITIONS);
}

describe('a mirror that resumes past the tombstone horizon (issue 15, item 3)', () => {
  const bed = mirrorTestBedForSuite('horizon');

  it('rebuilds the partition from the log: no row of an entry taken while it was away', async () => {
    const grid = await LocalGrid.start({
      space,
      partitions: PARTITIONS,
      schemas: types,
      prefix: bed.prefix,
      kafka: { brokers: bed.brokers, topics: FAST_COMPACTION },
    });
    try {
      for (let i = 0; i < CUSTOMERS; i++) await grid.space.write('Customer', customer(i, 0));
      for (let i = 0; i < CUSTOMERS; i++) await grid.space.write('Customer', customer(i, 1));
      const first = bed.projector({ space, schemas: types, createTables: true });
      await first.start();
      await first.waitForCatchUp(60_000);
      expect(await bed.mirrorPicture(space, types)).toEqual(pictureOf(grid.entries()));
      await first.stop();

      // While the mirror is away: takes (tombstones), and one id taken and written again (a new
      // life at version 1, lower than the row the mirror holds).
      const taken = new Set<string>();
      for (let i = 0; i < CUSTOMERS; i += 4) {
        expect(await grid.space.take('Customer', { id: `c${i}` })).not.toBeNull();
        taken.add(`Customer/c${i}`);
      }
      expect(await grid.space.take('Customer', { id: 'c1' })).not.toBeNull();
      await grid.space.write('Customer', customer(1, 2));

      const fillers = Array.from({ length: PARTITIONS }, (_, k) => fillerOf(k));
      let round = 0;
      await waitForCompaction({
        brokers: bed.brokers,
        topics: Array.from({ length: PARTITIONS }, (_, k) => partitionTopic(bed.prefix, space, k)),
        fill: async () => {
          round++;
          for (const i of fillers) await grid.space.write('Customer', customer(i, round));
        },
        done: (records) => {
          const left = records.filter((r) => taken.has(r.key) || (r.key === 'Customer/c1' && r.tombstone));
          return left.length === 0 ? undefined : `${left.length} records of taken entries left`;
        },
      });
      const expected = pictureOf(grid.entries());
      expect(expected['Customer/c1']?.version).toBe(1);
      for (const key of taken) expect(expected[key]).toBeUndefined();
      await grid.close();

      const reconciles: MirrorReconcile[] = [];
      const second = bed.projector({ space, schemas: types, onReconcile: (e) => reconciles.push(e) });
      await second.start();
      await second.waitForCatchUp(60_000);
      const mirrored = await bed.mirrorPicture(space, types);
      for (const key of taken) expect(mirrored[key]).toBeUndefined();
      expect(mirrored).toEqual(expected);
      expect(reconciles.map((r) => r.partition).sort()).toEqual([0, 1]);
      expect(reconciles.every((r) => r.reason === 'past-tombstone-horizon')).toBe(true);
      expect(reconciles.reduce((n, r) => n + r.removed, 0)).toBe(taken.size);
      expect((await second.lag()).map((l) => l.reconciles)).toEqual([1, 1]);
      await second.stop();

      // The rebuild's position is fresh: a third start resumes without rebuilding.
      const third = bed.projector({ space, schemas: types, onReconcile: (e) => reconciles.push(e) });
      await third.start();
      await third.waitForCatchUp(60_000);
      expect(reconciles).toHaveLength(2);
      expect((await third.lag()).map((l) => l.reconciles)).toEqual([1, 1]);
    } finally {
      await grid.close();
    }
  });
});
