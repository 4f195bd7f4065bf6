import { MirrorSchemaMismatchError } from '../../../src/errors';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { Mutation } from '../../../src/space/Mutation';
import { exampleOrder } from '../../support';
import { eventually } from '../../support/eventually';
import { foldLog } from '../grid/foldLog';
import { EXAMPLE_SCHEMAS, mirrorTestBedForSuite } from './mirrorTestKit';

const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
const space = 'orders';
const partitions = 2;

interface HistoryRow {
  partition: number;
  offset: string;
  op: string;
  type: string;
  id: string;
  version: string;
  lease_expires_at: Date | null;
  state: Record<string, unknown> | null;
}

describe('mirror history (every mutation, append-only)', () => {
  const bed = mirrorTestBedForSuite('history');
  const { brokers, prefix } = bed;

  it('refuses history without the <space>_history table, naming the fix', async () => {
    await bed.prepareTables(space, types);
    const refused = bed.projector({ space, schemas: types, history: true }).start();
    await expect(refused).rejects.toThrow(MirrorSchemaMismatchError);
    await expect(refused).rejects.toThrow(/history table .*orders_history does not exist: .*--history/);
  }, 60_000);

  it('holds every logged mutation in log order, not coalesced, next to the coalesced rows', async () => {
    const { db } = bed;
    const grid = await bed.startGrid({
      space,
      partitions,
      schemas: types,
      leaseSweepMs: 50,
      mirror: bed.gridMirror({ createTables: true, history: true }),
    });
    await grid.mirrorStarted();
    const { space: s } = grid;
    await s.write('Order', exampleOrder(1, 1));
    await s.change('Order', { id: 'o-1' }, [{ op: 'set', path: 'status', value: 'PAID' }], {
      routing: 'c-1',
    });
    await s.change('Order', { id: 'o-1' }, [{ op: 'increment', path: 'total', by: 5 }], { routing: 'c-1' });
    await s.take('Order', { id: 'o-1' }, { routing: 'c-1' });
    await s.write('Order', exampleOrder(1, 1, { status: 'SHIPPED' }));
    for (let i = 2; i < 12; i++) await s.write('Order', exampleOrder(i, i));
    await s.write(
      'Payment',
      { id: 'p-1', orderId: 'o-1', amount: 3, method: 'CASH', paidAt: 1_700_000_000_000 },
      { lease: 100 },
    );
    // The lease runs out and the sweep logs EXPIRE: waited for in the history itself, because
    // waitForCatchUp only reads up to the log end of its call.
    await eventually(
      async () =>
        (
          (await db.knex
            .withSchema(db.schema)
            .table('orders_history')
            .where({ type: 'Payment', id: 'p-1', op: 'EXPIRE' })) as HistoryRow[]
        ).length > 0,
      30_000,
      'the EXPIRE of p-1 in orders_history',
    );
    await grid.mirror!.waitForCatchUp(30_000);

    const rows = (await db.knex
      .withSchema(db.schema)
      .table('orders_history')
      .orderBy(['partition', 'offset'])) as HistoryRow[];
    const logged: { partition: number; mutation: Mutation }[] = [];
    await foldLog({
      brokers,
      prefix,
      space,
      partitions,
      types,
      onMutation: (partition, mutation) => logged.push({ partition, mutation }),
    });
    expect(rows.map((r) => [r.partition, r.op, r.type, r.id, Number(r.version)])).toEqual(
      logged.map(({ partition, mutation: m }) => [partition, m.op, m.type, m.id, m.version]),
    );
    const life = rows.filter((r) => r.type === 'Order' && r.id === 'o-1');
    expect(life.map((r) => [r.op, Number(r.version), r.state?.status ?? null])).toEqual([
      ['WRITE', 1, 'NEW'],
      ['UPDATE', 2, 'PAID'],
      ['UPDATE', 3, 'PAID'],
      ['TAKE', 3, null],
      ['WRITE', 1, 'SHIPPED'],
    ]);
    expect(life[2]?.state).toMatchObject({ id: 'o-1', total: 16, shipping: { city: 'Lyon', zip: '1001' } });
    const payment = rows.filter((r) => r.id === 'p-1');
    expect(payment.map((r) => r.op)).toEqual(['WRITE', 'EXPIRE']);
    expect(payment[0]?.lease_expires_at).toBeInstanceOf(Date);
    // The coalesced table keeps only the current life.
    const current = (await db.knex.withSchema(db.schema).table('orders_order').where({ id: 'o-1' })) as {
      status: string;
      _version: string;
    }[];
    expect(current).toEqual([expect.objectContaining({ status: 'SHIPPED', _version: '1' })]);
  }, 120_000);
});
