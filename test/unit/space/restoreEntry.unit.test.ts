import { InvariantViolationError } from '../../../src/errors';
import type { Mutation } from '../../../src/space/Mutation';
import { restoreEntry } from '../../../src/space/restoreEntry';
import { SpaceEngine } from '../../../src/space/SpaceEngine';
import type { MutationPosition } from '../../../src/space/SpaceEngineOptions';
import { exampleTypes, order } from './fixtures';

describe('restoreEntry (warm-up from a snapshot)', () => {
  it('puts an entry at its version and lease; the log tail then continues from that version', async () => {
    const engine = new SpaceEngine({ types: exampleTypes(), origin: 't' });
    restoreEntry(engine.state, {
      type: 'Order',
      id: 'o1',
      version: 7,
      leaseExpiresAt: 4_000_000_000_000,
      entry: order('o1'),
    });
    expect(engine.size).toBe(1);
    expect(engine.lookup('Order', 'o1')).toMatchObject({ version: 7, leaseExpiresAt: 4_000_000_000_000 });
    // Indexed like any entry: a query finds it.
    expect(await engine.count('Order', { query: 'status = ?', params: ['NEW'] })).toBe(1);
    const update: Mutation = {
      op: 'UPDATE',
      type: 'Order',
      id: 'o1',
      version: 8,
      leaseExpiresAt: null,
      timestamp: 0,
      origin: 'log',
      state: { ...order('o1'), status: 'PAID' },
    };
    engine.applyReplicated(update);
    expect(engine.lookup('Order', 'o1')).toMatchObject({ version: 8, entry: { status: 'PAID' } });
  });

  it('refuses an id already there, a bad version and a state that does not fit', () => {
    const engine = new SpaceEngine({ types: exampleTypes(), origin: 't' });
    const base = { type: 'Order', id: 'o1', version: 1, leaseExpiresAt: null, entry: order('o1') };
    restoreEntry(engine.state, base);
    expect(() => restoreEntry(engine.state, base)).toThrow(InvariantViolationError);
    expect(() => restoreEntry(engine.state, { ...base, id: 'o2', version: 0 })).toThrow(/bad version 0/);
    expect(() => restoreEntry(engine.state, { ...base, id: 'o2' })).toThrow(/state has id 'o1'/);
    expect(() =>
      restoreEntry(engine.state, { ...base, id: 'o3', entry: { ...order('o3'), total: 'ten' } }),
    ).toThrow(/does not fit the schema/);
    expect(engine.size).toBe(1);
  });
});

describe('SpaceEngine write positions', () => {
  it('answers a write and a renewal with the position the sink reported, nothing else with one', async () => {
    let next = 40;
    const sink = {
      append: (mutations: readonly Mutation[]): Promise<readonly MutationPosition[]> =>
        Promise.resolve(mutations.map(() => ({ partition: 3, offset: next++ }))),
    };
    const engine = new SpaceEngine({ types: exampleTypes(), origin: 't', sink });
    expect((await engine.write('Order', order('o1'))).position).toEqual({ partition: 3, offset: 40 });
    expect((await engine.renew('Order', 'o1', 60_000)).position).toEqual({ partition: 3, offset: 41 });
    const plain = new SpaceEngine({ types: exampleTypes(), origin: 't' });
    expect((await plain.write('Order', order('o1'))).position).toBeUndefined();
  });
});
