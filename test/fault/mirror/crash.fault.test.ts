import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { spawnChild, type TestDatabase } from '../../support';
import { foldLog } from '../../integration/grid/foldLog';
import { EXAMPLE_SCHEMAS, mirrorTestBedForSuite, runWorkload } from '../../integration/mirror/mirrorTestKit';
import { expectVerified } from '../../support/expectVerified';

const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
const space = 'orders';
const partitions = 3;
const KILLS = 5;

/**
 * Every committed change of spacelog_offsets and every row write of the Order table, recorded by
 * triggers in the same transactions: what really committed, whoever committed it.
 */
async function installAudit(db: TestDatabase): Promise<void> {
  const s = `"${db.schema}"`;
  await db.knex.raw(`
    CREATE TABLE ${s}.audit_offsets (seq bigserial, partition int, from_offset bigint, to_offset bigint);
    CREATE TABLE ${s}.audit_rows (seq bigserial, id text, version bigint, partition int, record_offset bigint);
    CREATE FUNCTION ${s}.audit_offsets_fn() RETURNS trigger AS $$
      BEGIN
        INSERT INTO ${s}.audit_offsets (partition, from_offset, to_offset) VALUES (NEW.partition, OLD.topic_offset, NEW.topic_offset);
        RETURN NEW;
      END $$ LANGUAGE plpgsql;
    CREATE TRIGGER audit_offsets AFTER UPDATE ON ${s}.spacelog_offsets FOR EACH ROW
      WHEN (OLD.topic_offset IS DISTINCT FROM NEW.topic_offset) EXECUTE FUNCTION ${s}.audit_offsets_fn();
    CREATE FUNCTION ${s}.audit_rows_fn() RETURNS trigger AS $$
      BEGIN
        INSERT INTO ${s}.audit_rows (id, version, partition, record_offset) VALUES (NEW.id, NEW._version, NEW._partition, NEW._offset);
        RETURN NEW;
      END $$ LANGUAGE plpgsql;
    CREATE TRIGGER audit_rows AFTER INSERT OR UPDATE ON ${s}.orders_order FOR EACH ROW EXECUTE FUNCTION ${s}.audit_rows_fn();
  `);
}

describe('mirror crash: SIGKILL the projector mid-batch under load', () => {
  const bed = mirrorTestBedForSuite('crash');

  beforeAll(async () => {
    await bed.prepareTables(space, types);
    await installAudit(bed.db);
  });

  it(`loses nothing and applies nothing twice over ${KILLS} kills`, async () => {
    const db = bed.db;
    const grid = await bed.startGrid({ space, partitions, schemas: types, leaseSweepMs: 50 });
    let loading = true;
    let round = 0;
    const load = (async () => {
      while (loading) await runWorkload(grid, { operations: 50, seed: round, tag: `r${round++}` });
    })();
    await runWorkload(grid, { operations: 400, seed: 4242, tag: 'first' }); // a backlog to catch up on

    for (let kill = 0; kill < KILLS; kill++) {
      const child = spawnChild('test/fault/mirror/children/mirrorWorker.ts', [bed.prefix, space, db.schema], {
        SPACELOG_DATABASE_URL: db.url,
      });
      await child.nextMessage((m) => m.ready === true, 60_000);
      const seen = child.messages.length;
      await child.nextMessage((m) => m.progress === true && child.messages.length > seen + 3 + kill, 60_000);
      const exit = await child.kill();
      expect(exit.signal).toBe('SIGKILL');
      expect(child.messages.filter((m) => m.error !== undefined)).toEqual([]);
    }
    loading = false;
    await load;
    await new Promise((resolve) => setTimeout(resolve, 600)); // the last leases run out
    await grid.close();

    const projector = bed.projector({ space, schemas: types });
    await projector.start();
    await projector.waitForCatchUp(120_000);

    // Every committed offset move continues exactly where the previous one ended: no gap, no overlap.
    const moves = (await db.knex.withSchema(db.schema).table('audit_offsets').orderBy('seq')) as {
      partition: number;
      from_offset: string;
      to_offset: string;
    }[];
    expect(moves.length).toBeGreaterThan(KILLS);
    const lag = await projector.lag();
    for (let k = 0; k < partitions; k++) {
      let at = 0;
      for (const move of moves.filter((m) => m.partition === k)) {
        expect(Number(move.from_offset)).toBe(at);
        expect(Number(move.to_offset)).toBeGreaterThan(at);
        at = Number(move.to_offset);
      }
      expect(at).toBe(lag[k]?.endOffset);
    }
    // No log record was written into the table twice.
    const doubled = await db.knex
      .withSchema(db.schema)
      .table('audit_rows')
      .select('partition', 'record_offset')
      .count('* as n')
      .groupBy('partition', 'record_offset')
      .havingRaw('count(*) > 1');
    expect(doubled).toEqual([]);

    const fold = await foldLog({ brokers: bed.brokers, prefix: bed.prefix, space, partitions, types });
    expect(await bed.mirrorPicture(space, types)).toEqual(fold);
    // spacelog verify at the suite's end: the grid is closed, so the mirror's rows (versions and leases
    // too) against the fold of the log at the offsets the mirror holds.
    await expectVerified({
      space,
      prefix: bed.prefix,
      kafka: { brokers: bed.brokers },
      types,
      mirror: { knex: db.knex, schema: db.schema },
    });
  }, 300_000);
});
