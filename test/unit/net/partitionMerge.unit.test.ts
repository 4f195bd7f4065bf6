import * as path from 'node:path';
import { blockingAcrossPartitions, firstInOrder } from '../../../src/api/blockingAcrossPartitions';
import {
  mergeChanges,
  mergeMatches,
  orderOf,
  picksWinners,
  sumCounts,
} from '../../../src/api/partitionMerge';
import { OperationAbortedError } from '../../../src/errors';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { Entry } from '../../../src/schema/Entry';
import { queryCompiler } from '../../../src/space/QuerySelection';

const types = SchemaLoader.loadFolder(path.resolve(__dirname, '../../../schemas/examples'));
const Order = types.require('Order');
const queries = queryCompiler();

const entry = (id: string, total: number, partition = 0): Entry => ({ id, total, partition });

describe('partitionMerge', () => {
  it('finds no order for ids and templates, and the ORDER BY / LIMIT of a query', () => {
    expect(orderOf(queries, Order, { id: 'o-1' })).toEqual({});
    expect(orderOf(queries, Order, { template: { status: 'NEW' } })).toEqual({});
    expect(orderOf(queries, Order, { query: 'total > ?', params: [1] })).toEqual({});
    const order = orderOf(queries, Order, { query: 'total > ? ORDER BY total DESC LIMIT 2', params: [1] });
    expect(order.limit).toBe(2);
    expect(order.compare!(entry('a', 1), entry('b', 2))).toBeGreaterThan(0);
  });

  it('merges per-partition answers: global order, then the smaller of LIMIT and limit', () => {
    const order = orderOf(queries, Order, { query: 'total > ? ORDER BY total DESC LIMIT 3', params: [0] });
    const parts = [entry('a', 5, 0), entry('b', 1, 0), entry('c', 9, 1), entry('d', 7, 2)];
    expect(mergeMatches(order, [...parts], undefined).map((e) => e.id)).toEqual(['c', 'd', 'a']);
    expect(mergeMatches(order, [...parts], 2).map((e) => e.id)).toEqual(['c', 'd']);
    expect(mergeMatches(order, [...parts], 10)).toHaveLength(3);
  });

  it('keeps partition order without ORDER BY, and for ties (stable)', () => {
    const parts = [entry('a', 1, 0), entry('b', 1, 1), entry('c', 1, 2)];
    expect(mergeMatches({}, [...parts], undefined).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(mergeMatches({}, [...parts], 2).map((e) => e.id)).toEqual(['a', 'b']);
    const byTotal = orderOf(queries, Order, { query: 'total > ? ORDER BY total', params: [0] });
    expect(mergeMatches(byTotal, [...parts], undefined).map((e) => e.id)).toEqual(['a', 'b', 'c']);
  });

  it('picks winners before a takeMultiple only with an ORDER BY or a LIMIT', () => {
    expect(picksWinners({}, undefined)).toBe(false);
    expect(picksWinners({}, 3)).toBe(true);
    expect(picksWinners({ limit: 1 }, undefined)).toBe(true);
    expect(picksWinners({ compare: () => 0 }, undefined)).toBe(true);
  });

  it('sums counts and joins change results in partition order', () => {
    expect(sumCounts([])).toBe(0);
    expect(sumCounts([1, 2, 3])).toBe(6);
    const changed = (id: string) => ({ id, version: 2, leaseExpiresAt: null });
    expect(
      mergeChanges([
        { count: 1, changed: [changed('a')] },
        { count: 0, changed: [] },
        { count: 2, changed: [changed('b'), changed('c')] },
      ]),
    ).toEqual({ count: 3, changed: [changed('a'), changed('b'), changed('c')] });
  });
});

describe('blockingAcrossPartitions', () => {
  const never = (_k: number, _t: number, signal: AbortSignal): Promise<unknown> =>
    new Promise((_resolve, reject) =>
      signal.addEventListener('abort', () => reject(new OperationAbortedError()), { once: true }),
    );

  it('answers the first pass at once, without waiting', async () => {
    const waitOn = jest.fn(never);
    const found = await blockingAcrossPartitions({
      partitions: [0, 1],
      timeout: 10_000,
      type: 'Order',
      tryAll: async () => entry('a', 1),
      waitOn,
    });
    expect(found).toMatchObject({ id: 'a' });
    expect(waitOn).not.toHaveBeenCalled();
  });

  it('waits on every partition, and tries again once one of them shows a match', async () => {
    let passes = 0;
    const waited: number[] = [];
    const found = await blockingAcrossPartitions({
      partitions: [0, 1, 2],
      timeout: 10_000,
      type: 'Order',
      tryAll: async () => (++passes === 2 ? entry('late', 1) : null),
      waitOn: (k, _t, signal) => {
        waited.push(k);
        return k === 2 ? Promise.resolve(entry('seen', 1)) : never(k, 0, signal);
      },
    });
    expect(found).toMatchObject({ id: 'late' });
    expect(passes).toBe(2);
    expect(waited).toEqual([0, 1, 2]);
  });

  it('answers null once the timeout passes, and a timeout of 0 makes one pass only', async () => {
    let passes = 0;
    const tryAll = async (): Promise<Entry | null> => {
      passes++;
      return null;
    };
    await expect(
      blockingAcrossPartitions({ partitions: [0], timeout: 0, type: 'Order', tryAll, waitOn: never }),
    ).resolves.toBeNull();
    expect(passes).toBe(1);
    const waitOn = (_k: number, timeout: number): Promise<unknown> =>
      new Promise((resolve) => setTimeout(resolve, timeout));
    await expect(
      blockingAcrossPartitions({ partitions: [0, 1], timeout: 50, type: 'Order', tryAll, waitOn }),
    ).resolves.toBeNull();
  });

  it('stops waiting when the caller aborts', async () => {
    const controller = new AbortController();
    const waiting = blockingAcrossPartitions({
      partitions: [0, 1],
      timeout: 10_000,
      type: 'Order',
      signal: controller.signal,
      tryAll: async () => null,
      waitOn: never,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(waiting).rejects.toBeInstanceOf(OperationAbortedError);
  });

  it('takes in partition order and stops at the first match', async () => {
    const tried: number[] = [];
    const found = await firstInOrder([0, 1, 2, 3], async (k) => {
      tried.push(k);
      return k === 1 || k === 2 ? entry(`e${k}`, 1) : null;
    });
    expect(found).toMatchObject({ id: 'e1' });
    expect(tried).toEqual([0, 1]);
  });
});
