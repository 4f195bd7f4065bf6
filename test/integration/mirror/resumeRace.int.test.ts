import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { foldLog } from '../grid/foldLog';
import { EXAMPLE_SCHEMAS, mirrorTestBedForSuite, runWorkload } from './mirrorTestKit';

const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
const space = 'orders';
const partitions = 3;

/**
 * docs/design.md law 5 at a projector's start: its consumer may fetch the first batches of a partition before the
 * projector has read where that partition stands in spacelog_offsets. Those batches are dropped (the
 * position is not known yet), so the consumer must be put back at the stored position afterwards,
 * even when that position is 0; a mirror that skipped them would silently miss rows.
 */
describe('mirror start: batches fetched before the stored position is read', () => {
  const bed = mirrorTestBedForSuite('resume');
  const { brokers, prefix } = bed;

  beforeAll(() => bed.prepareTables(space, types));

  it('are fetched again from the stored position, and the mirror equals the fold', async () => {
    const grid = await bed.startGrid({ space, partitions, schemas: types });
    await runWorkload(grid, { operations: 200, seed: 3, tag: 'r' });
    await grid.close();

    // Hold the offsets table while the projector starts: its reads of the stored positions wait,
    // and the consumer fetches (and must drop) the first batches meanwhile.
    const blocker = await bed.db.knex.client.acquireConnection();
    try {
      await bed.db.knex.raw('BEGIN').connection(blocker);
      await bed.db.knex
        .raw(`LOCK TABLE "${bed.db.schema}".spacelog_offsets IN ACCESS EXCLUSIVE MODE`)
        .connection(blocker);
      const projector = bed.projector({ space, schemas: types });
      const started = projector.start();
      // Long enough for the group join and a first fetch of every partition.
      await new Promise((r) => setTimeout(r, 6000));
      await bed.db.knex.raw('COMMIT').connection(blocker);
      await started;
      await projector.waitForCatchUp(60_000);
    } finally {
      await bed.db.knex.client.releaseConnection(blocker);
    }
    const fold = await foldLog({ brokers, prefix, space, partitions, types });
    const mirror = await bed.mirrorPicture(space, types);
    expect(Object.keys(fold).length).toBeGreaterThan(50);
    expect(mirror).toEqual(fold);
  }, 120_000);
});
