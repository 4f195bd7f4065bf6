import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { MirrorProjector } from '../../../src/mirror/MirrorProjector';
import type { PartitionLag } from '../../../src/mirror/MirrorLag';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import {
  openTestDatabase,
  startPrivatePostgres,
  testKafkaBrokers,
  uniqueName,
  type PostgresInstance,
  type TestDatabase,
} from '../../support';
import { foldLog } from '../../integration/grid/foldLog';
import {
  deleteTestTopics,
  EXAMPLE_SCHEMAS,
  mirrorPicture,
  prepareMirrorTables,
  runWorkload,
} from '../../integration/mirror/mirrorTestKit';

const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
const space = 'orders';
const partitions = 2;
const OUTAGE_MS = 20_000;

describe('mirror during a PostgreSQL outage (law 6)', () => {
  const brokers = testKafkaBrokers();
  const prefix = uniqueName('tmoutage');
  let pg: PostgresInstance;
  let db: TestDatabase;
  let grid: LocalGrid | undefined;
  let projector: MirrorProjector | undefined;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    db = await openTestDatabase('outage', pg.url);
    await prepareMirrorTables({ knex: db.knex, schema: db.schema, space, types });
  }, 120_000);

  afterAll(async () => {
    await projector?.stop();
    await grid?.close();
    await db?.close().catch(() => undefined);
    await pg?.destroy();
    await deleteTestTopics(brokers, prefix);
  }, 60_000);

  it('keeps acknowledging writes, reports growing lag, and converges once PostgreSQL returns', async () => {
    grid = await LocalGrid.start({
      space,
      partitions,
      schemas: types,
      prefix,
      kafka: { brokers },
      leaseSweepMs: 50,
    });
    const retries: unknown[] = [];
    projector = new MirrorProjector({
      space,
      schemas: types,
      database: db.url,
      schema: db.schema,
      prefix,
      kafka: { brokers },
      retry: { initialMs: 50, maxMs: 1_000 },
      onRetry: (error) => retries.push(error),
    });
    await projector.start();
    await runWorkload(grid, { operations: 100, seed: 1, tag: 'pre' });
    await projector.waitForCatchUp(30_000);

    await pg.stop('immediate');
    const outageEnds = Date.now() + OUTAGE_MS;
    let acknowledged = 0;
    let round = 0;
    const lags: PartitionLag[][] = [];
    while (Date.now() < outageEnds) {
      const counts = await runWorkload(grid, { operations: 40, seed: 100 + round, tag: `out${round}` });
      acknowledged += counts.writes + counts.changes + counts.takes + counts.leased;
      lags.push(await projector.lag());
      round++;
    }
    expect(acknowledged).toBeGreaterThan(0); // the request path never waited on the database
    const last = lags[lags.length - 1] ?? [];
    expect(last.reduce((sum, l) => sum + l.records, 0)).toBeGreaterThan(0); // the mirror fell behind and says so
    expect(last.some((l) => l.seconds !== null && l.seconds > 5)).toBe(true);
    expect(retries.length).toBeGreaterThan(0);
    expect(projector.failure).toBeUndefined();

    await pg.start();
    await runWorkload(grid, { operations: 60, seed: 999, tag: 'post' });
    await new Promise((resolve) => setTimeout(resolve, 600)); // leases of the last payments run out
    await grid.close();
    grid = undefined;
    await projector.waitForCatchUp(120_000);

    const fold = await foldLog({ brokers, prefix, space, partitions, types });
    const mirror = await mirrorPicture(db.knex, db.schema, space, types);
    expect(mirror).toEqual(fold);
    expect((await projector.lag()).every((l) => l.records === 0 && l.seconds === 0)).toBe(true);
  }, 300_000);
});
