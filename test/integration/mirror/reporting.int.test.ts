import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { exampleOrder, type TestDatabase } from '../../support';
import { EXAMPLE_SCHEMAS, mirrorTestBedForSuite } from './mirrorTestKit';

const run = promisify(execFile);
const MIRROR_DOC = path.resolve(__dirname, '../../../docs/mirror.md');
const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);

/** The ```sql blocks of the "SQL reporting" section of docs/mirror.md, in order: what users are told to run. */
function readmeQueries(): string[] {
  const readme = readFileSync(MIRROR_DOC, 'utf8');
  const start = readme.indexOf('## SQL reporting');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
}

/** Runs one query with the psql binary against the test database, the mirror's schema on search_path. */
async function psql(db: TestDatabase, query: string): Promise<string[][]> {
  const { stdout } = await run(
    'psql',
    [db.url, '-X', '-q', '-A', '-t', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-c', query],
    { env: { ...process.env, PGOPTIONS: `-c search_path=${db.schema}` } },
  );
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('|'));
}

const money = (n: number): string => n.toFixed(2);

describe('SQL reporting on the mirror (docs/mirror.md queries through psql)', () => {
  const bed = mirrorTestBedForSuite('report');

  it('revenue per customer, orders by status, the join and the jsonb city match the grid', async () => {
    const { db } = bed;
    const queries = readmeQueries();
    expect(queries).toHaveLength(4);
    const grid = await bed.startGrid({
      space: 'orders',
      partitions: 3,
      schemas: types,
      mirror: bed.gridMirror({ createTables: true }),
    });
    await grid.mirrorStarted();
    const { space } = grid;
    const tiers = ['BRONZE', 'SILVER', 'GOLD'];
    for (let c = 0; c < 6; c++) {
      await space.write('Customer', {
        id: `c-${c}`,
        name: `Customer ${c}`,
        email: `c${c}@example.com`,
        city: c % 2 === 0 ? 'Oslo' : 'Lyon',
        tier: tiers[c % 3],
        createdAt: 1_700_000_000_000,
      });
    }
    const statuses = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'];
    for (let i = 0; i < 40; i++) {
      await space.write('Order', exampleOrder(i, i % 6, { status: statuses[i % 4], total: 10 + i }));
    }
    // What the mirror must reflect is the state, not the writes: a change and two takes.
    await space.change('Order', { id: 'o-3' }, [{ op: 'increment', path: 'total', by: 100 }], {
      routing: 'c-3',
    });
    await space.take('Order', { id: 'o-4' }, { routing: 'c-4' });
    const last = await space.write('Order', exampleOrder(41, 5, { status: 'PAID', total: 7 }));
    await space.take('Order', { id: 'o-5' }, { routing: 'c-5' });
    await grid.mirror!.waitFor(last.position!, 30_000);
    await grid.mirror!.waitForCatchUp(30_000);

    const orders = (await space.readMultiple('Order')) as unknown as {
      id: string;
      customerId: string;
      status: string;
      total: number;
      shipping: { city: string };
    }[];
    const customers = new Map(
      ((await space.readMultiple('Customer')) as unknown as { id: string; tier: string; city: string }[]).map(
        (c) => [c.id, c],
      ),
    );
    expect(orders).toHaveLength(39);
    const groupBy = <K extends string>(key: (o: (typeof orders)[number]) => K) => {
      const groups = new Map<K, { orders: number; revenue: number }>();
      for (const o of orders) {
        const g = groups.get(key(o)) ?? { orders: 0, revenue: 0 };
        g.orders++;
        g.revenue += o.total;
        groups.set(key(o), g);
      }
      return [...groups.entries()];
    };

    const [perCustomer, byStatus, joined, byCity] = queries;
    expect(await psql(db, perCustomer!)).toEqual(
      groupBy((o) => o.customerId)
        .sort(([a, x], [b, y]) => y.revenue - x.revenue || a.localeCompare(b))
        .slice(0, 10)
        .map(([id, g]) => [id, String(g.orders), money(g.revenue)]),
    );
    expect(await psql(db, byStatus!)).toEqual(
      groupBy((o) => o.status)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([status, g]) => [status, String(g.orders)]),
    );
    expect(await psql(db, joined!)).toEqual(
      groupBy((o) => {
        const c = customers.get(o.customerId)!;
        return `${c.tier}|${c.city}`;
      })
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, g]) => [...key.split('|'), String(g.orders), money(g.revenue)]),
    );
    expect(await psql(db, byCity!)).toEqual(
      groupBy((o) => o.shipping.city)
        .sort(([a, x], [b, y]) => y.orders - x.orders || (a < b ? -1 : 1))
        .map(([city, g]) => [city, String(g.orders), money(g.revenue)]),
    );
  }, 120_000);
});
