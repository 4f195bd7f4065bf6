import * as path from 'node:path';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { exampleOrder, gridTestKit } from '../../support';
import { eventually } from '../../support/eventually';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { foldLog, pictureOf } from './foldLog';

const SCHEMAS = path.resolve(__dirname, '../../../schemas/examples');

describe('in-process grid: restart', () => {
  const kit = gridTestKit();
  const { prefix, brokers } = kit;
  const space = 'orders';
  const types = SchemaLoader.loadFolder(SCHEMAS);

  afterAll(() => kit.cleanup());

  it('rebuilds exactly the state it had, which is the fold of the raw log', async () => {
    const first = await LocalGrid.start({
      space,
      partitions: 3,
      schemas: SCHEMAS,
      prefix,
      kafka: { brokers },
      // The lease of o-1000 below runs out: swept soon after, not a second later.
      leaseSweepMs: 50,
    });
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) ops.push(first.space.write('Order', exampleOrder(i, i % 17)));
    await Promise.all(ops);
    // Updates, changes, takes and a lease that runs out, mixed.
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        first.space.change('Order', { id: `o-${i}` }, [{ op: 'set', path: 'status', value: 'PAID' }], {
          routing: `c-${i % 17}`,
        }),
      ),
    );
    for (let i = 50; i < 80; i++)
      await first.space.take('Order', { id: `o-${i}` }, { routing: `c-${i % 17}` });
    await first.space.write('Order', exampleOrder(1000, 1), { lease: 1 });
    await first.space.write('Order', exampleOrder(1001, 2), { mode: 'insert-only' });
    await expect(
      first.space.write('Order', exampleOrder(1001, 2), { mode: 'insert-only' }),
    ).rejects.toMatchObject({
      name: 'EntryAlreadyExistsError',
    });
    // The lease sweep logs EXPIRE for o-1000 (an expired entry stays among the entries until then).
    await eventually(
      () => ![...first.entries()].some((e) => e.type === 'Order' && e.id === 'o-1000'),
      10_000,
      'the lease sweep to expire o-1000',
    );
    const before = pictureOf(first.entries());
    expect(Object.keys(before)).toHaveLength(300 - 30 + 1);
    expect(before['Order/o-1000']).toBeUndefined();
    expect(before['Order/o-3']?.version).toBe(2);
    await first.close();

    const fold = await foldLog({ brokers, prefix, space, partitions: 3, types });
    expect(fold).toEqual(before);

    const second = await LocalGrid.start({
      space,
      partitions: 3,
      schemas: SCHEMAS,
      prefix,
      kafka: { brokers },
      // The worker path, however short these logs are (the default reads short logs on this thread).
      warmUpInWorker: true,
    });
    try {
      expect(pictureOf(second.entries())).toEqual(before);
      expect(await second.space.count('Order')).toBe(271);
      const paid = await second.space.readMultiple('Order', {
        query: "status = 'PAID' ORDER BY total DESC LIMIT 5",
      });
      expect(paid.map((o) => o.id)).toEqual(['o-49', 'o-48', 'o-47', 'o-46', 'o-45']);
    } finally {
      await second.close();
    }
  }, 90_000);

  it('a write handed to a blocked take is logged with its TAKE in one transaction and stays taken after a restart', async () => {
    const handover = 'handover';
    const start = (): Promise<LocalGrid> =>
      LocalGrid.start({ space: handover, partitions: 2, schemas: SCHEMAS, prefix, kafka: { brokers } });
    const first = await start();
    let written: Awaited<ReturnType<typeof first.space.write>>;
    try {
      const taking = first.space.take('Order', { template: { customerId: 'c-5' } }, { timeout: 20_000 });
      written = await first.space.write('Order', exampleOrder(1, 5));
      expect((await taking)?.id).toBe('o-1');
      await first.space.write('Order', exampleOrder(2, 5));
      expect(written.version).toBe(1);
    } finally {
      await first.close();
    }

    const logged: string[] = [];
    const offsets: Record<string, number> = {};
    const fold = await foldLog({
      brokers,
      prefix,
      space: handover,
      partitions: 2,
      types,
      onMutation: (_, m, offset) => {
        logged.push(`${m.op}:${m.id}`);
        offsets[`${m.op}:${m.id}`] = offset;
      },
    });
    expect(logged).toEqual(['WRITE:o-1', 'TAKE:o-1', 'WRITE:o-2']);
    // One transaction: the TAKE follows the WRITE at the next offset (two transactions would have the
    // first one's commit marker between them), so a read_committed reader sees both or neither.
    expect(offsets['WRITE:o-1']).toBe(written.position?.offset);
    expect(offsets['TAKE:o-1']).toBe((offsets['WRITE:o-1'] as number) + 1);
    expect(Object.keys(fold)).toEqual(['Order/o-2']);

    const second = await start();
    try {
      expect(await second.space.read('Order', { id: 'o-1' }, { routing: 'c-5' })).toBeNull();
      expect(pictureOf(second.entries())).toEqual(fold);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('refuses a space that exists with another partition count', async () => {
    await expect(
      LocalGrid.start({ space, partitions: 4, schemas: SCHEMAS, prefix, kafka: { brokers } }),
    ).rejects.toMatchObject({
      name: 'TopicConfigError',
    });
  }, 30_000);
});
