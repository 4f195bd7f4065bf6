import type { GridOptions } from '../../../src/cluster/GridConfig';
import type { LocalGrid } from '../../../src/cluster/LocalGrid';
import { waitForMirror } from '../../../src/mirror/waitForMirror';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { exampleOrder } from '../../support';
import {
  EXAMPLE_SCHEMAS,
  leasedPictureOf as pictureOf,
  mirrorTestBedForSuite,
  runWorkload,
} from './mirrorTestKit';

const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
const space = 'orders';
const partitions = 3;

describe('embedded mirror: read-your-writes and warm-up from PostgreSQL', () => {
  const bed = mirrorTestBedForSuite('warmup');
  let kept: { readonly leaseExpiresAt: number | null } | undefined;

  const start = (extra: Partial<GridOptions>): Promise<LocalGrid> =>
    bed.startGrid({ space, partitions, schemas: types, ...extra });

  it('answers a sync write with its log position, and grid.mirror.waitFor / waitForMirror see the row', async () => {
    const { db } = bed;
    const grid = await start({ mirror: bed.gridMirror({ createTables: true }), leaseSweepMs: 50 });
    await grid.mirrorStarted();
    const written = await grid.space.write('Order', exampleOrder(1, 7));
    expect(written.position).toEqual({ partition: written.partition, offset: expect.any(Number) });
    const changed = await grid.space.write('Order', exampleOrder(1, 7, { status: 'PAID' }));
    expect(changed.position?.offset).toBeGreaterThan(written.position?.offset ?? Infinity);

    await grid.mirror!.waitFor(changed.position!, 30_000);
    const row = (await db.knex.withSchema(db.schema).table('orders_order').where({ id: 'o-1' }).first()) as
      Record<string, unknown> | undefined;
    expect(row).toMatchObject({ status: 'PAID', _version: '2', _offset: String(changed.position!.offset) });

    // The standalone form polls spacelog_offsets from any process.
    const leased = await grid.space.write('Payment', payment('p-lease'), { lease: 3_600_000 });
    await waitForMirror(db.knex, space, leased.position!, 30_000, { schema: db.schema });
    const payment_ = (await db.knex
      .withSchema(db.schema)
      .table('orders_payment')
      .where({ id: 'p-lease' })
      .first()) as Record<string, unknown>;
    expect((payment_._lease_expires_at as Date).getTime()).toBe(leased.leaseExpiresAt);

    // A leased entry only the mirror's rows carry into the second test's warm-up.
    kept = await grid.space.write('Payment', payment('p-kept'), { lease: 3_600_000 });
    await runWorkload(grid, { operations: 300, seed: 3, tag: 'a' });
    await new Promise((resolve) => setTimeout(resolve, 500)); // short leases run out, EXPIREs logged
    await grid.mirror!.waitForCatchUp(60_000);
    await grid.close();
  }, 120_000);

  it('a grid warmed up from the mirror (rows + log tail) equals one warmed up from the whole log', async () => {
    // More history the mirror never sees: it must come from the log tail.
    const writer = await start({ leaseSweepMs: 50 });
    await runWorkload(writer, { operations: 200, seed: 5, tag: 'b' });
    await writer.space.write('Payment', payment('p-long'), { lease: 3_600_000 });
    await writer.space.renew('Payment', 'p-lease', 7_200_000, { routing: 'o-1' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await writer.close();

    const { db } = bed;
    const offsets = (await db.knex.withSchema(db.schema).table('spacelog_offsets').where({ space })) as {
      topic_offset: string;
    }[];
    expect(offsets.length).toBe(partitions);
    expect(offsets.every((o) => Number(o.topic_offset) > 0)).toBe(true);

    // No lease sweep while we look: both pictures are the fold of the same log.
    const quiet = { leaseSweepMs: 3_600_000 };
    // Records each partition's warm-up replayed from the log (progress reports are cumulative).
    const logCount = new Map<number, number>();
    const fromLog = await start({
      ...quiet,
      warmup: 'log',
      onProgress: (k, p) => void logCount.set(k, p.records),
    });
    const expected = pictureOf(fromLog);
    await fromLog.close();

    const mirrorCount = new Map<number, number>();
    const fromMirror = await start({
      ...quiet,
      warmup: 'mirror',
      mirror: bed.gridMirror({ project: false }),
      onProgress: (k, p) => void mirrorCount.set(k, p.records),
    });
    const actual = pictureOf(fromMirror);
    await fromMirror.close();

    expect(Object.keys(expected).length).toBeGreaterThan(50);
    expect(actual).toEqual(expected);
    expect(actual['Payment/p-lease']?.version).toBe(2);
    expect(actual['Payment/p-kept']?.leaseExpiresAt).toBe(kept?.leaseExpiresAt);
    expect(kept?.leaseExpiresAt).toEqual(expect.any(Number));
    expect(actual['Payment/p-long']?.leaseExpiresAt).toEqual(expect.any(Number));
    // The mirror warm-up replayed only the tail of the log.
    const sum = (counts: Map<number, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);
    expect(sum(mirrorCount)).toBeLessThan(sum(logCount));
  }, 180_000);

  it('falls back to the log, partition by partition, when the mirror cannot be read', async () => {
    const quiet = { leaseSweepMs: 3_600_000 };
    const fromLog = await start(quiet);
    const expected = pictureOf(fromLog);
    await fromLog.close();
    const fallbacks: number[] = [];
    const grid = await start({
      ...quiet,
      warmup: 'mirror',
      mirror: {
        database: 'postgres://postgres@127.0.0.1:1/nowhere',
        project: false,
        onWarmupFallback: (k) => fallbacks.push(k),
      },
    });
    expect(fallbacks.sort()).toEqual([0, 1, 2]);
    expect(pictureOf(grid)).toEqual(expected);
    await grid.close();
  }, 120_000);
});

function payment(id: string): Record<string, unknown> {
  return { id, orderId: 'o-1', amount: 12.5, method: 'CARD', paidAt: 1_700_000_000_000 };
}
