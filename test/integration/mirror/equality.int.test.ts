import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { MirrorProjector } from '../../../src/mirror/MirrorProjector';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { openTestDatabase, testKafkaBrokers, uniqueName, type TestDatabase } from '../../support';
import { foldLog } from '../grid/foldLog';
import {
  deleteTestTopics,
  EXAMPLE_SCHEMAS,
  mirrorPicture,
  prepareMirrorTables,
  runWorkload,
} from './mirrorTestKit';

const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
const space = 'orders';
const partitions = 3;

describe('mirror equality (law 5)', () => {
  const brokers = testKafkaBrokers();
  const prefix = uniqueName('tmirror');
  let db: TestDatabase;
  let grid: LocalGrid | undefined;
  let projector: MirrorProjector | undefined;

  beforeAll(async () => {
    db = await openTestDatabase('mirror');
    await prepareMirrorTables({ knex: db.knex, schema: db.schema, space, types });
  });

  afterAll(async () => {
    await projector?.stop();
    await grid?.close();
    await db.close();
    await deleteTestTopics(brokers, prefix);
  });

  it('equals the fold of the log row by row, versions included, after a random workload', async () => {
    grid = await LocalGrid.start({
      space,
      partitions,
      schemas: types,
      prefix,
      kafka: { brokers },
      leaseSweepMs: 50,
    });
    // Half the workload before the projector starts (catch-up), half while it runs (tail).
    const before = await runWorkload(grid, { operations: 300, seed: 7, tag: 'a' });
    projector = new MirrorProjector({
      space,
      schemas: types,
      database: db.knex,
      schema: db.schema,
      prefix,
      kafka: { brokers },
    });
    await projector.start();
    const during = await runWorkload(grid, { operations: 300, seed: 11, tag: 'b' });
    expect(before.takes + during.takes).toBeGreaterThan(0);
    expect(before.changes + during.changes).toBeGreaterThan(0);
    // Let every short lease run out and its EXPIRE reach the log.
    await new Promise((resolve) => setTimeout(resolve, 800));
    await grid.close();
    grid = undefined;

    await projector.waitForCatchUp(60_000);
    const fold = await foldLog({ brokers, prefix, space, partitions, types });
    const mirror = await mirrorPicture(db.knex, db.schema, space, types);
    expect(Object.keys(fold).some((k) => k.startsWith('Payment/'))).toBe(false); // all leases expired
    expect(Object.keys(mirror).length).toBeGreaterThan(50);
    expect(mirror).toEqual(fold);
    const lag = await projector.lag();
    expect(lag.map((l) => l.records)).toEqual([0, 0, 0]);
  }, 180_000);
});
