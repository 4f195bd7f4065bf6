import { SnapshotCache } from '../../../src/console/SnapshotCache';
import { countTypes, settle } from '../../../src/console/snapshotParts';
import { PartitionNotReadyError } from '../../../src/errors';

describe('SnapshotCache', () => {
  it('shares one read among concurrent callers and serves it again while young', async () => {
    let reads = 0;
    const cache = new SnapshotCache(() => Promise.resolve({ takenAt: Date.now(), n: ++reads }), 60_000);
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect(a).toBe(b);
    expect(await cache.get()).toBe(a);
    expect(reads).toBe(1);
  });

  it('reads again once the snapshot is older than its max age, and does not keep a failed read', async () => {
    let reads = 0;
    let fail = true;
    const cache = new SnapshotCache(async () => {
      reads++;
      if (fail) throw new Error('kafka away');
      return { takenAt: Date.now() - 10, n: reads };
    }, 5);
    await expect(cache.get()).rejects.toThrow('kafka away');
    fail = false;
    expect((await cache.get()).n).toBe(2);
    expect((await cache.get()).n).toBe(3);
  });
});

describe('snapshot parts', () => {
  it('settles a rejection into its one-line error, and counts each type on its own', async () => {
    expect(await settle(Promise.resolve(3))).toEqual({ value: 3 });
    expect(await settle(Promise.reject(new PartitionNotReadyError('partition 1 is warming up')))).toEqual({
      error: expect.stringMatching(/^PartitionNotReadyError \(\w+\): partition 1 is warming up$/),
    });
    const counts = await countTypes(['Order', 'Customer'], (type) =>
      type === 'Order' ? Promise.resolve(7) : Promise.reject(new Error('no such type')),
    );
    expect(counts).toEqual([
      { type: 'Order', count: 7 },
      { type: 'Customer', error: 'no such type' },
    ]);
  });
});
