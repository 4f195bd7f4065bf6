import { ReplicationSink } from '../../../src/partition/ReplicationSink';
import type { Mutation } from '../../../src/space/Mutation';

const mutation: Mutation = {
  op: 'WRITE',
  type: 'Order',
  id: 'o1',
  version: 1,
  leaseExpiresAt: null,
  timestamp: 1,
  origin: 'pu',
  state: { id: 'o1' },
};

describe('ReplicationSink: a failed append always reaches the partition (issue 16, item 1)', () => {
  it.each(['sync', 'async'] as const)('%s mode hands every rejection to onFailure', async (mode) => {
    const failure = new Error('append failed');
    const seen: unknown[] = [];
    const sink = new ReplicationSink({ appendWithPositions: () => Promise.reject(failure) }, mode, (error) =>
      seen.push(error),
    );
    const appended = sink.append([mutation]);
    if (mode === 'sync') await expect(appended).rejects.toBe(failure);
    else await appended;
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([failure]);
  });

  it('a successful sync append reports nothing', async () => {
    const seen: unknown[] = [];
    const sink = new ReplicationSink(
      { appendWithPositions: async () => [{ partition: 0, offset: 7 }] },
      'sync',
      (error) => seen.push(error),
    );
    expect(await sink.append([mutation])).toEqual([{ partition: 0, offset: 7 }]);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
  });
});
