import {
  SpaceClosedError,
  TransactionAbortedError,
  TransactionLockTimeoutError,
  TransactionTimeoutError,
  VersionConflictError,
} from '../../../src/errors';
import { newEngine, order, snapshot } from './fixtures';
import { inTransaction, settle } from './transactionFixtures';

describe('transaction overlay on one partition', () => {
  it('isolates its writes until commit, sees them itself, then commits them in order', async () => {
    const { engine, sink } = newEngine();
    await engine.write('Order', order('o1'));
    await engine.write('Order', order('o2'));
    const before = snapshot(engine);
    let gate!: () => void;
    const paused = new Promise<void>((r) => (gate = r));
    let inside: unknown;
    const running = inTransaction([engine], async (branch) => {
      const b = await branch(0);
      await b.write('Order', order('o3', { total: 7 }));
      await b.change('Order', { id: 'o1' }, [{ op: 'set', path: 'status', value: 'PAID' }]);
      expect(await b.take('Order', { id: 'o2' })).toMatchObject({ id: 'o2' });
      inside = {
        o1: b.read('Order', { id: 'o1' })?.status,
        o2: b.read('Order', { id: 'o2' }),
        o3: b.read('Order', { template: { total: 7 } })?.id,
        all: b
          .readMultiple('Order', { query: 'total >= ? ORDER BY total ASC', params: [0] })
          .map((e) => e.id),
      };
      await paused;
      return 'done';
    });
    await settle();
    // Plain reads see the last committed state while the transaction is open.
    expect(snapshot(engine)).toEqual(before);
    expect((await engine.read('Order', { id: 'o1' }))?.status).toBe('NEW');
    expect(await engine.read('Order', { id: 'o3' })).toBeNull();
    expect(inside).toEqual({ o1: 'PAID', o2: null, o3: 'o3', all: ['o3', 'o1'] });
    gate();
    expect(await running).toBe('done');
    expect(sink.log.slice(2).map((m) => `${m.op}:${m.id}:v${m.version}`)).toEqual([
      'WRITE:o3:v1',
      'UPDATE:o1:v2',
      'TAKE:o2:v1',
    ]);
    expect(engine.lookup('Order', 'o1')?.version).toBe(2);
    expect(engine.lookup('Order', 'o2')).toBeUndefined();
    expect(engine.lookup('Order', 'o3')?.entry.total).toBe(7);
  });

  it('a throw rolls back: state deep-equal to before, nothing logged, locks released', async () => {
    const { engine, sink } = newEngine();
    await engine.write('Order', order('o1'));
    const before = snapshot(engine);
    const logged = sink.log.length;
    const failure = new Error('business rule');
    const result = inTransaction([engine], async (branch) => {
      const b = await branch(0);
      await b.write('Order', order('o2'));
      await b.change('Order', { id: 'o1' }, [{ op: 'increment', path: 'total', by: 5 }]);
      await b.take('Order', { id: 'o1' });
      throw failure;
    });
    await expect(result).rejects.toBeInstanceOf(TransactionAbortedError);
    await expect(result).rejects.toMatchObject({ cause: failure });
    expect(snapshot(engine)).toEqual(before);
    expect(sink.log).toHaveLength(logged);
    expect(engine.locks.size).toBe(0);
    await engine.write('Order', order('o1', { total: 1 }));
    expect(engine.lookup('Order', 'o1')?.version).toBe(2);
  });

  it('a typed error inside keeps its retriable flag; version checks run against the overlay', async () => {
    const { engine } = newEngine();
    await engine.write('Order', order('o1'));
    const result = inTransaction([engine], async (branch) => {
      const b = await branch(0);
      await b.write('Order', order('o1'), { expectedVersion: 1 });
      await b.write('Order', order('o1'), { expectedVersion: 1 }); // now at 2 inside the transaction
    });
    await expect(result).rejects.toMatchObject({ name: 'TransactionAbortedError', retriable: false });
    await expect(result).rejects.toMatchObject({ cause: expect.any(VersionConflictError) });
    expect(engine.lookup('Order', 'o1')?.version).toBe(1);
  });

  it('times out: rolled back, and the callback cannot act after it', async () => {
    const { engine } = newEngine();
    await engine.write('Order', order('o1'));
    const before = snapshot(engine);
    let late: Promise<unknown> | undefined;
    const result = inTransaction(
      [engine],
      async (branch) => {
        const b = await branch(0);
        await b.change('Order', { id: 'o1' }, [{ op: 'set', path: 'status', value: 'PAID' }]);
        await new Promise((r) => setTimeout(r, 80));
        late = b.write('Order', order('o9')).catch((error: unknown) => error);
      },
      30,
    );
    await expect(result).rejects.toBeInstanceOf(TransactionTimeoutError);
    expect(engine.locks.size).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(await late).toBeInstanceOf(TransactionTimeoutError);
    expect(snapshot(engine)).toEqual(before);
  });
});

describe('transaction locks', () => {
  it('a plain write of a locked entry waits for the commit, then applies on top of it', async () => {
    const { engine, sink } = newEngine();
    await engine.write('Order', order('o1'));
    let gate!: () => void;
    const paused = new Promise<void>((r) => (gate = r));
    const tx = inTransaction([engine], async (branch) => {
      await (await branch(0)).change('Order', { id: 'o1' }, [{ op: 'set', path: 'status', value: 'PAID' }]);
      await paused;
    });
    await settle();
    let written = false;
    const plain = engine.write('Order', order('o1', { total: 1 })).then((r) => {
      written = true;
      return r;
    });
    await settle();
    expect(written).toBe(false);
    expect(engine.lookup('Order', 'o1')?.version).toBe(1);
    gate();
    await tx;
    expect((await plain).version).toBe(3);
    expect(sink.log.map((m) => `${m.op}:v${m.version}`)).toEqual(['WRITE:v1', 'UPDATE:v2', 'UPDATE:v3']);
    // The plain write was built over the transaction's state: its full state keeps nothing of PAID.
    expect(engine.lookup('Order', 'o1')?.entry).toMatchObject({ status: 'NEW', total: 1 });
  });

  it('a plain take of a locked entry waits; after an abort it takes the original', async () => {
    const { engine } = newEngine();
    await engine.write('Order', order('o1'));
    let gate!: () => void;
    const paused = new Promise<void>((r) => (gate = r));
    const tx = inTransaction([engine], async (branch) => {
      await (await branch(0)).take('Order', { id: 'o1' });
      await paused;
      throw new Error('changed my mind');
    });
    await settle();
    const taking = engine.take('Order', { template: { status: 'NEW' } });
    await settle();
    expect(engine.lookup('Order', 'o1')).toBeDefined();
    gate();
    await expect(tx).rejects.toBeInstanceOf(TransactionAbortedError);
    expect((await taking)?.id).toBe('o1');
    expect(engine.size).toBe(0);
  });

  it('a plain operation waits at most lockWaitMs, then fails with a retriable lock timeout', async () => {
    const { engine } = newEngine({ lockWaitMs: 20 });
    await engine.write('Order', order('o1'));
    let gate!: () => void;
    const paused = new Promise<void>((r) => (gate = r));
    const tx = inTransaction([engine], async (branch) => {
      await (await branch(0)).write('Order', order('o1', { total: 2 }));
      await paused;
    });
    await settle();
    const plain = engine.change('Order', { id: 'o1' }, [{ op: 'increment', path: 'total' }]);
    await expect(plain).rejects.toBeInstanceOf(TransactionLockTimeoutError);
    await expect(plain).rejects.toMatchObject({ retriable: true, entryId: 'o1' });
    gate();
    await tx;
    expect(engine.lookup('Order', 'o1')?.entry.total).toBe(2);
  });

  it('two transactions never take the same entry (template takes skip locked entries)', async () => {
    const { engine } = newEngine();
    for (let i = 0; i < 3; i++) await engine.write('Order', order(`o${i}`));
    let gate!: () => void;
    const paused = new Promise<void>((r) => (gate = r));
    const takers = Array.from({ length: 4 }, () =>
      inTransaction([engine], async (branch) => {
        const taken = await (await branch(0)).take('Order', { template: { status: 'NEW' } });
        await paused;
        return taken?.id ?? null;
      }),
    );
    await settle();
    gate();
    const ids = await Promise.all(takers);
    expect(ids.filter((id) => id !== null).sort()).toEqual(['o0', 'o1', 'o2']);
    expect(ids.filter((id) => id === null)).toHaveLength(1);
    expect(engine.size).toBe(0);
  });

  it('a second transaction waits for the first one lock and sees its committed version', async () => {
    const { engine } = newEngine();
    await engine.write('Order', order('o1', { total: 10 }));
    let gate!: () => void;
    const paused = new Promise<void>((r) => (gate = r));
    const first = inTransaction([engine], async (branch) => {
      await (await branch(0)).change('Order', { id: 'o1' }, [{ op: 'increment', path: 'total', by: 1 }]);
      await paused;
    });
    await settle();
    const second = inTransaction([engine], async (branch) => {
      const b = await branch(0);
      await b.change('Order', { id: 'o1' }, [{ op: 'increment', path: 'total', by: 100 }]);
      return b.read('Order', { id: 'o1' })?.total;
    });
    await settle();
    gate();
    await first;
    expect(await second).toBe(111);
    expect(engine.lookup('Order', 'o1')).toMatchObject({ version: 3, entry: { total: 111 } });
  });

  it('a committed write wakes a blocked take; the lease sweep leaves locked entries alone', async () => {
    const { engine, clock, sink } = newEngine();
    await engine.write('Order', order('lease'), { lease: 10 });
    const waiting = engine.take('Order', { template: { status: 'PAID' } }, { timeout: Infinity });
    let gate!: () => void;
    const paused = new Promise<void>((r) => (gate = r));
    const tx = inTransaction([engine], async (branch) => {
      const b = await branch(0);
      await b.write('Order', order('paid', { status: 'PAID' }));
      await b.change('Order', { id: 'lease' }, [{ op: 'set', path: 'status', value: 'SHIPPED' }], {
        lease: 1000,
      });
      await paused;
    });
    await settle();
    clock.advance(20);
    expect(await engine.expireDue()).toBe(0);
    gate();
    await tx;
    expect((await waiting)?.id).toBe('paid');
    expect(sink.log.map((m) => `${m.op}:${m.id}`)).toEqual([
      'WRITE:lease',
      'WRITE:paid',
      'UPDATE:lease',
      'TAKE:paid',
    ]);
    expect(engine.lookup('Order', 'lease')?.leaseExpiresAt).toBe(clock.now - 20 + 1000);
  });

  it('a closed engine rejects lock waiters and refuses the commit', async () => {
    const { engine } = newEngine();
    await engine.write('Order', order('o1'));
    let gate!: () => void;
    const paused = new Promise<void>((r) => (gate = r));
    const tx = inTransaction([engine], async (branch) => {
      await (await branch(0)).take('Order', { id: 'o1' });
      await paused;
    });
    await settle();
    const plain = engine.take('Order', { id: 'o1' });
    engine.close();
    await expect(plain).rejects.toBeInstanceOf(SpaceClosedError);
    gate();
    await expect(tx).rejects.toMatchObject({ name: 'TransactionAbortedError', retriable: true });
  });
});
