import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { partitionOf } from '../../../src/api/partitionOf';
import { TransactionAbortedError, TransactionTimeoutError } from '../../../src/errors';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { Mutation } from '../../../src/space/Mutation';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';
import { foldLog, pictureOf } from './foldLog';

const PARTITIONS = 3;

function customer(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: `name ${id}`,
    email: `${id}@example.com`,
    city: 'Oslo',
    tier: 'BRONZE',
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

/** Customer ids (routed by id) that land on partition `k`. */
function idsOn(k: number, count: number, tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++)
    if (partitionOf(`${tag}-${i}`, PARTITIONS) === k) out.push(`${tag}-${i}`);
  return out;
}

describe('transactions on an in-process grid (real Kafka)', () => {
  const kit = gridTestKit();
  const { prefix, brokers } = kit;
  const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
  const start = (space: string): Promise<LocalGrid> =>
    LocalGrid.start({ space, partitions: PARTITIONS, schemas: EXAMPLE_SCHEMAS, prefix, kafka: { brokers } });
  const fold = (space: string, onMutation?: (k: number, m: Mutation) => void) =>
    foldLog({ brokers, prefix, space, partitions: PARTITIONS, types, ...(onMutation ? { onMutation } : {}) });

  afterAll(() => kit.cleanup());

  it('commits a multi-partition transaction in one Kafka transaction; a restart folds to the same state', async () => {
    const space = 'txcommit';
    const grid = await start(space);
    const [a] = idsOn(0, 1, 'a');
    const [b] = idsOn(1, 1, 'b');
    const [c] = idsOn(2, 1, 'c');
    let before;
    try {
      await grid.space.write('Customer', customer(c!));
      await grid.space.write('Customer', customer(b!, { tier: 'SILVER' }));
      const result = await grid.space.transaction(async (tx) => {
        await tx.write('Customer', customer(a!));
        await tx.change('Customer', { id: b! }, [{ op: 'set', path: 'tier', value: 'GOLD' }]);
        expect(await tx.take('Customer', { id: c! })).toMatchObject({ id: c });
        expect(await tx.read('Customer', { id: c! })).toBeNull();
        expect((await tx.readMultiple('Customer', { template: { tier: 'GOLD' } })).map((e) => e.id)).toEqual([
          b,
        ]);
        return 'committed';
      });
      expect(result).toBe('committed');
      expect(await grid.space.read('Customer', { id: a! })).toMatchObject({ id: a });
      expect(await grid.space.read('Customer', { id: b! })).toMatchObject({ tier: 'GOLD' });
      expect(await grid.space.read('Customer', { id: c! })).toBeNull();
      before = pictureOf(grid.entries());
    } finally {
      await grid.close();
    }
    const seen: string[] = [];
    expect(await fold(space, (k, m) => seen.push(`${k}:${m.op}:${m.id}`))).toEqual(before);
    expect(seen).toEqual(
      expect.arrayContaining([
        `0:WRITE:${a}`,
        `1:UPDATE:${b}`,
        `2:TAKE:${c}`,
        `1:WRITE:${b}`,
        `2:WRITE:${c}`,
      ]),
    );
    const again = await start(space);
    try {
      expect(pictureOf(again.entries())).toEqual(before);
    } finally {
      await again.close();
    }
  }, 90_000);

  it('a throw or a timeout rolls back: the grid and the log are as before', async () => {
    const space = 'txabort';
    const grid = await start(space);
    let before;
    try {
      await grid.space.write('Customer', customer('keep'));
      before = pictureOf(grid.entries());
      const failure = new Error('no stock');
      const thrown = grid.space.transaction(async (tx) => {
        for (const k of [0, 1, 2]) await tx.write('Customer', customer(idsOn(k, 1, 'x')[0]!));
        await tx.change('Customer', { id: 'keep' }, [{ op: 'set', path: 'city', value: 'Rome' }]);
        throw failure;
      });
      await expect(thrown).rejects.toBeInstanceOf(TransactionAbortedError);
      await expect(thrown).rejects.toMatchObject({ cause: failure });
      const slow = grid.space.transaction(
        async (tx) => {
          await tx.take('Customer', { id: 'keep' });
          await new Promise((r) => setTimeout(r, 300));
        },
        { timeout: 100 },
      );
      await expect(slow).rejects.toBeInstanceOf(TransactionTimeoutError);
      expect(pictureOf(grid.entries())).toEqual(before);
      // The locks are gone: a plain change goes through at once.
      await grid.space.change('Customer', { id: 'keep' }, [{ op: 'set', path: 'city', value: 'Bergen' }]);
      before = pictureOf(grid.entries());
    } finally {
      await grid.close();
    }
    expect(await fold(space)).toEqual(before);
  }, 90_000);

  it('keeps every partition log in engine order under concurrent plain writes and transactions', async () => {
    const space = 'txmixed';
    const grid = await start(space);
    let before;
    try {
      const plain = Array.from({ length: 200 }, (_, i) => grid.space.write('Order', exampleOrder(i, i % 11)));
      const txs = Array.from({ length: 30 }, (_, t) =>
        grid.space.transaction(async (tx) => {
          const [left] = idsOn(t % PARTITIONS, 1, `l${t}`);
          const [right] = idsOn((t + 1) % PARTITIONS, 1, `r${t}`);
          await tx.write('Customer', customer(left!));
          await tx.write('Customer', customer(right!));
          // Touch a plain-written order too, when it is already there.
          await tx.change('Order', { template: { customerId: `c-${t % 11}`, status: 'NEW' } }, [
            { op: 'increment', path: 'total', by: 1 },
          ]);
        }),
      );
      await Promise.all([...plain, ...txs]);
      expect(await grid.space.count('Customer')).toBe(60);
      before = pictureOf(grid.entries());
    } finally {
      await grid.close();
    }
    expect(await fold(space)).toEqual(before);
  }, 120_000);
});
