import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MirrorSchemaMismatchError } from '../../../src/errors';
import { makeMirrorMigration } from '../../../src/mirror/makeMirrorMigration';
import { migrateLatest } from '../../../src/mirror/SpacelogMigrations';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { foldLog } from '../grid/foldLog';
import { EXAMPLE_SCHEMAS, mirrorTestBedForSuite } from './mirrorTestKit';

const space = 'orders';
const partitions = 2;

/** The example schemas with two new Order fields: `priority` (int, default 0) and `channel` (optional). */
function evolvedSchemas(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'spacelog-schemas-'));
  cpSync(EXAMPLE_SCHEMAS, folder, { recursive: true });
  const file = path.join(folder, 'Order.avsc');
  const order = JSON.parse(readFileSync(file, 'utf8')) as { fields: unknown[] };
  order.fields.push(
    { name: 'priority', type: 'int', default: 0 },
    { name: 'channel', type: ['null', 'string'], default: null },
  );
  writeFileSync(file, JSON.stringify(order));
  return folder;
}

function order(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    customerId: `c-${id}`,
    status: 'NEW',
    total: 10,
    createdAt: 1_700_000_000_000,
    shipping: { city: 'Oslo', zip: '0150' },
    lines: [],
    note: null,
    ...extra,
  };
}

describe('mirror schema evolution', () => {
  const bed = mirrorTestBedForSuite('evolution');
  const { brokers, prefix } = bed;

  it('refuses to start on tables behind the schemas, then mirrors old rows with defaults and new rows with values', async () => {
    const { db } = bed;
    const v1 = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
    const directory = await bed.prepareTables(space, v1);

    let grid = await bed.startGrid({ space, partitions, schemas: v1 });
    for (let i = 0; i < 10; i++) await grid.space.write('Order', order(`old-${i}`));
    await grid.space.change('Order', { id: 'old-0' }, [{ op: 'set', path: 'status', value: 'PAID' }], {
      routing: 'c-old-0',
    });
    await grid.close();
    let projector = bed.projector({ space, schemas: v1 });
    await projector.start();
    await projector.waitForCatchUp(30_000);
    await projector.stop();

    const v2Folder = evolvedSchemas();
    const v2 = SchemaLoader.loadFolder(v2Folder);
    const refused = bed.projector({ space, schemas: v2 }).start();
    await expect(refused).rejects.toThrow(MirrorSchemaMismatchError);
    await expect(refused).rejects.toThrow(
      /column priority of mirror table .*orders_order is missing: run `spacelog migrate make/,
    );

    const { file, plan } = await makeMirrorMigration({
      knex: db.knex,
      schema: db.schema,
      space,
      types: v2,
      directory,
    });
    expect(file).toBeDefined();
    expect(plan.changes).toEqual(['add column orders_order.priority', 'add column orders_order.channel']);
    expect(await migrateLatest({ knex: db.knex, schema: db.schema, directories: [directory] })).toEqual([
      path.basename(file ?? ''),
    ]);

    grid = await bed.startGrid({ space, partitions, schemas: v2 });
    for (let i = 0; i < 5; i++)
      await grid.space.write('Order', order(`new-${i}`, { priority: 5, channel: 'web' }));
    await grid.space.change('Order', { id: 'old-1' }, [{ op: 'set', path: 'priority', value: 2 }], {
      routing: 'c-old-1',
    });
    await grid.close();
    projector = bed.projector({ space, schemas: v2 });
    await projector.start();
    try {
      await projector.waitForCatchUp(30_000);
      const rows = (await db.knex
        .withSchema(db.schema)
        .table('orders_order')
        .select('id', 'priority', 'channel', '_version')
        .orderBy('id')) as { id: string; priority: number; channel: string | null; _version: string }[];
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(byId.get('old-2')).toEqual({ id: 'old-2', priority: 0, channel: null, _version: '1' });
      expect(byId.get('old-0')).toEqual({ id: 'old-0', priority: 0, channel: null, _version: '2' });
      expect(byId.get('old-1')).toEqual({ id: 'old-1', priority: 2, channel: null, _version: '2' });
      expect(byId.get('new-3')).toEqual({ id: 'new-3', priority: 5, channel: 'web', _version: '1' });
      const fold = await foldLog({ brokers, prefix, space, partitions, types: v2 });
      expect(await bed.mirrorPicture(space, v2)).toEqual(fold);
    } finally {
      await projector.stop();
    }
  }, 120_000);
});
