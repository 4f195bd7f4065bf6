import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { eventually } from '../../support/eventually';
import { foldLog } from '../grid/foldLog';
import { EXAMPLE_SCHEMAS, mirrorTestBedForSuite, runWorkload } from './mirrorTestKit';

const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
const space = 'orders';
const partitions = 3;

describe('mirror equality (docs/design.md law 5)', () => {
  const bed = mirrorTestBedForSuite('equality');
  const { brokers, prefix } = bed;

  beforeAll(() => bed.prepareTables(space, types));

  it('equals the fold of the log row by row, versions included, after a random workload', async () => {
    const grid = await bed.startGrid({ space, partitions, schemas: types, leaseSweepMs: 50 });
    // Half the workload before the projector starts (catch-up), half while it runs (tail).
    const before = await runWorkload(grid, { operations: 300, seed: 7, tag: 'a' });
    const projector = bed.projector({ space, schemas: types });
    await projector.start();
    const during = await runWorkload(grid, { operations: 300, seed: 11, tag: 'b' });
    expect(before.takes + during.takes).toBeGreaterThan(0);
    expect(before.changes + during.changes).toBeGreaterThan(0);
    // Every short lease runs out and the sweep expires its Payment (an expired entry stays among the
    // grid's entries until its EXPIRE is applied); close then flushes every EXPIRE to the log.
    await eventually(
      () => ![...grid.entries()].some((e) => e.type === 'Payment'),
      10_000,
      () =>
        `every Payment to expire (${[...grid.entries()].filter((e) => e.type === 'Payment').length} left)`,
    );
    await grid.close();

    await projector.waitForCatchUp(60_000);
    const fold = await foldLog({ brokers, prefix, space, partitions, types });
    const mirror = await bed.mirrorPicture(space, types);
    expect(Object.keys(fold).some((k) => k.startsWith('Payment/'))).toBe(false); // all leases expired
    expect(Object.keys(mirror).length).toBeGreaterThan(50);
    expect(mirror).toEqual(fold);
    const lag = await projector.lag();
    expect(lag.map((l) => l.records)).toEqual([0, 0, 0]);
  }, 180_000);
});
