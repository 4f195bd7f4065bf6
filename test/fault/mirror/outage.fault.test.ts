import type { PartitionLag } from '../../../src/mirror/MirrorLag';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { startPrivatePostgres, type PostgresInstance } from '../../support';
import { foldLog } from '../../integration/grid/foldLog';
import { EXAMPLE_SCHEMAS, MirrorTestBed, runWorkload } from '../../integration/mirror/mirrorTestKit';
import { expectVerified } from '../../support/expectVerified';

const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
const space = 'orders';
const partitions = 2;
const OUTAGE_MS = 20_000;

describe('mirror during a PostgreSQL outage (docs/design.md law 6)', () => {
  // On a PostgreSQL of its own, which the test stops and starts.
  const bed = new MirrorTestBed('outage');
  let pg: PostgresInstance | undefined;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    await bed.open(pg.url);
    await bed.prepareTables(space, types);
  }, 120_000);

  afterAll(async () => {
    try {
      await bed.close();
    } finally {
      await pg?.destroy();
    }
  }, 60_000);

  it('keeps acknowledging writes, reports growing lag, and converges once PostgreSQL returns', async () => {
    const server = pg as PostgresInstance;
    const grid = await bed.startGrid({ space, partitions, schemas: types, leaseSweepMs: 50 });
    const retries: unknown[] = [];
    // Through a URL: the projector's own pool, which must find its way back to the restarted server.
    const projector = bed.projector({
      space,
      schemas: types,
      database: bed.db.url,
      retry: { initialMs: 50, maxMs: 1_000 },
      onRetry: (error) => retries.push(error),
    });
    await projector.start();
    await runWorkload(grid, { operations: 100, seed: 1, tag: 'pre' });
    await projector.waitForCatchUp(30_000);

    await server.stop('immediate');
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

    await server.start();
    await runWorkload(grid, { operations: 60, seed: 999, tag: 'post' });
    await new Promise((resolve) => setTimeout(resolve, 600)); // leases of the last payments run out
    await grid.close();
    await projector.waitForCatchUp(120_000);

    const fold = await foldLog({ brokers: bed.brokers, prefix: bed.prefix, space, partitions, types });
    const mirror = await bed.mirrorPicture(space, types);
    expect(mirror).toEqual(fold);
    expect((await projector.lag()).every((l) => l.records === 0 && l.seconds === 0)).toBe(true);
    // spacelog verify at the suite's end: the grid is closed, so the mirror's rows on the restarted
    // PostgreSQL (versions and leases too) against the fold of the log at the offsets the mirror holds.
    await expectVerified({
      space,
      prefix: bed.prefix,
      kafka: { brokers: bed.brokers },
      types,
      mirror: { knex: bed.db.knex, schema: bed.db.schema },
    });
  }, 300_000);
});
