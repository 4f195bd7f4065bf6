import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { EntryTooLargeError, InvalidArgumentError } from '../../../src/errors';
import { DEFAULT_MAX_RECORD_BYTES, maxRecordBatchBytes } from '../../../src/log/append/recordSize';
import type { PrimaryRole } from '../../../src/partition/PrimaryPartition';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { DEFAULT_MAX_ENTRY_BYTES } from '../../../src/space/ExecuteContext';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';
import { foldLog, pictureOf } from './foldLog';

jest.setTimeout(120_000);

const ORIGIN = 'pu-hostile';
const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
const orderType = types.require('Order');

/** An order of customer c-1 whose Avro encoding is exactly `bytes` (its note padded). */
function orderOfSize(i: number, bytes: number): Record<string, unknown> {
  const base = exampleOrder(i, 1, { note: '' });
  const baseSize = orderType.encodedSize(orderType.validate(base));
  for (let pad = bytes - baseSize; pad >= bytes - baseSize - 4; pad--) {
    const candidate = exampleOrder(i, 1, { note: 'x'.repeat(pad) });
    if (orderType.encodedSize(orderType.validate(candidate)) === bytes) return candidate;
  }
  throw new Error(`no order of ${bytes} bytes`);
}

/**
 * Issue 16, items 1 and 4, against a real broker: inputs that used to fail a whole group-commit batch
 * (or wedge a sync partition) get a typed error of their own, and the partition goes on serving, never
 * failing or rebuilding.
 */
describe('hostile writes never wedge or rebuild a partition', () => {
  const kit = gridTestKit();
  const { prefix, brokers } = kit;
  let grid: LocalGrid;
  const roles: PrimaryRole[] = [];
  const space = 'hostile';

  beforeAll(async () => {
    grid = await LocalGrid.start({
      space,
      partitions: 1,
      schemas: types,
      prefix,
      origin: ORIGIN,
      kafka: { brokers },
      onRoleChange: (_partition, role) => roles.push(role),
    });
  });

  afterAll(async () => {
    await grid?.close();
    await kit.cleanup();
  });

  afterEach(() => {
    // Never failed, never rebuilt: the partition served throughout.
    expect(roles.filter((r) => r !== 'warming' && r !== 'primary')).toEqual([]);
    expect(grid.status()[0]?.role).toBe('primary');
  });

  it.each([0.5, 1e300, -1, NaN])(
    'a write with lease %p gets InvalidArgumentError, nothing is applied, and the partition keeps acknowledging writes',
    async (lease) => {
      const id = `lease-${String(lease)}`;
      const error = await grid.space
        .write('Order', exampleOrder(0, 1, { id }), { lease })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(await grid.space.read('Order', { id }, { routing: 'c-1' })).toBeNull();
      const next = await Promise.all(
        [1, 2, 3].map((n) => grid.space.write('Order', exampleOrder(n, 1, { id: `${id}-after-${n}` }))),
      );
      expect(next.map((r) => r.version)).toEqual([1, 1, 1]);
      await expect(
        grid.space.renew('Order', `${id}-after-1`, lease, { routing: 'c-1' }),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
    },
  );

  it('an entry just under maxEntryBytes whose record would pass max.message.bytes gets EntryTooLargeError; the next writes succeed', async () => {
    const size = DEFAULT_MAX_ENTRY_BYTES - 10;
    const error = await grid.space.write('Order', orderOfSize(900, size)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EntryTooLargeError);
    expect(error).toMatchObject({
      limitName: 'maxRecordBytes',
      limit: DEFAULT_MAX_RECORD_BYTES,
      entryId: 'o-900',
    });
    expect(await grid.space.read('Order', { id: 'o-900' }, { routing: 'c-1' })).toBeNull();
    const next = await Promise.all([901, 902].map((n) => grid.space.write('Order', exampleOrder(n, 1))));
    expect(next.map((r) => r.version)).toEqual([1, 1]);
  });

  it('the largest entry the engine accepts is acknowledged by the broker (the bound is safe at the edge)', async () => {
    // The largest state whose record bound fits the topic's max.message.bytes.
    let bytes = DEFAULT_MAX_RECORD_BYTES;
    while (maxRecordBatchBytes('Order', 'o-950', ORIGIN, bytes) > DEFAULT_MAX_RECORD_BYTES) bytes--;
    const result = await grid.space.write('Order', orderOfSize(950, bytes), { lease: 3_600_000 });
    expect(result.version).toBe(1);
    await expect(grid.space.write('Order', orderOfSize(951, bytes + 1))).rejects.toBeInstanceOf(
      EntryTooLargeError,
    );
  });

  it('many large entries written concurrently, and one change over several of them, are all acknowledged', async () => {
    const big = 300_000;
    const writes = await Promise.all(
      Array.from({ length: 24 }, (_, i) => grid.space.write('Order', orderOfSize(1000 + i, big))),
    );
    expect(writes.every((w) => w.version === 1)).toBe(true);
    // One operation of 12 UPDATEs of ~300 KB each: one append of ~3.6 MB, more than a record batch holds.
    const changed = await grid.space.change(
      'Order',
      { query: "customerId = 'c-1' AND total >= 1010 AND total < 1022" },
      [{ op: 'set', path: 'status', value: 'PAID' }],
    );
    expect(changed.count).toBe(12);
    const paid = await grid.space.count('Order', { query: "status = 'PAID'" });
    expect(paid).toBe(12);
  });

  it('the log folds to exactly the state served', async () => {
    const served = pictureOf(grid.entries());
    const fold = await foldLog({ brokers, prefix, space, partitions: 1, types });
    expect(fold).toEqual(served);
  });
});
