import { InvalidArgumentError, OperationAbortedError, SpaceClosedError } from '../../../src/errors';
import type { SpaceEvent } from '../../../src/space/SubscriptionHub';
import { newEngine, order } from './fixtures';

describe('SpaceEngine blocking read / take', () => {
  it('a waiting take is satisfied by a later matching write, after the write and the TAKE are appended', async () => {
    const { engine, sink } = newEngine();
    const taking = engine.take('Order', { template: { status: 'PAID' } }, { timeout: Infinity });
    await engine.write('Order', order('o1', { status: 'NEW' }));
    expect(engine.pendingWaiters).toBe(1);
    await engine.write('Order', order('o2', { status: 'PAID' }));
    expect((await taking)?.id).toBe('o2');
    expect(sink.log.map((m) => `${m.op}:${m.id}`)).toEqual(['WRITE:o1', 'WRITE:o2', 'TAKE:o2']);
    expect(engine.lookup('Order', 'o2')).toBeUndefined();
  });

  it('hands a new entry to a waiting take: WRITE and TAKE in one append, the live state never holds it', async () => {
    const { engine, sink } = newEngine();
    const events: string[] = [];
    engine.subscribe('Order', { template: {} }, (e: SpaceEvent) => events.push(`${e.op}:${e.entry.id}`));
    const reading = engine.read('Order', { template: { status: 'PAID' } }, { timeout: Infinity });
    const taking = engine.take('Order', { template: { status: 'PAID' } }, { timeout: Infinity });
    const written = engine.write('Order', order('o1', { status: 'PAID' }));
    // Synchronously after the write: neither the id map nor an index has it.
    expect(engine.lookup('Order', 'o1')).toBeUndefined();
    expect(await engine.read('Order', { template: { status: 'PAID' } })).toBeNull();
    expect(engine.size).toBe(0);
    expect((await written).version).toBe(1);
    expect((await taking)?.id).toBe('o1');
    expect((await reading)?.id).toBe('o1');
    expect(sink.appends.map((batch) => batch.map((m) => `${m.op}:${m.id}:v${m.version}`))).toEqual([
      ['WRITE:o1:v1', 'TAKE:o1:v1'],
    ]);
    expect(events).toEqual(['WRITE:o1', 'TAKE:o1']);
    // The TAKE is the WRITE's removal, stamped alike: a fold of the log cancels the pair exactly.
    const [write, take] = sink.appends[0]!;
    expect(take).toEqual({ ...write, op: 'TAKE', state: null });
  });

  it('a failed append of a hand-over fails both the write and the take', async () => {
    const { engine, sink } = newEngine();
    const taking = engine.take('Order', { template: {} }, { timeout: Infinity });
    sink.failWith = new Error('log down');
    await expect(engine.write('Order', order('o1'))).rejects.toThrow('log down');
    await expect(taking).rejects.toThrow('log down');
    expect(engine.size).toBe(0);
  });

  it('one write satisfies every read waiter but only the first take waiter (FIFO)', async () => {
    const { engine } = newEngine();
    const r1 = engine.read('Order', { id: 'o1' }, { timeout: 1000 });
    const t1 = engine.take('Order', { template: {} }, { timeout: 1000 });
    const t2 = engine.take('Order', { template: {} }, { timeout: 1000 });
    const r2 = engine.read('Order', { template: { status: 'NEW' } }, { timeout: 1000 });
    await engine.write('Order', order('o1'));
    expect((await r1)?.id).toBe('o1');
    expect((await r2)?.id).toBe('o1');
    expect((await t1)?.id).toBe('o1');
    expect(engine.pendingWaiters).toBe(1);
    await engine.write('Order', order('o2'));
    expect((await t2)?.id).toBe('o2');
  });

  it('resolves null when the timeout passes', async () => {
    jest.useFakeTimers();
    try {
      const { engine } = newEngine();
      const reading = engine.read('Order', { id: 'o1' }, { timeout: 50 });
      jest.advanceTimersByTime(50);
      expect(await reading).toBeNull();
      expect(engine.pendingWaiters).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('rejects on abort and on close; refuses a negative timeout', async () => {
    const { engine } = newEngine();
    const controller = new AbortController();
    const aborted = engine.take('Order', { template: {} }, { timeout: Infinity, signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(OperationAbortedError);
    const waiting = engine.read('Order', { template: {} }, { timeout: Infinity });
    engine.close();
    engine.close();
    await expect(waiting).rejects.toBeInstanceOf(SpaceClosedError);
    await expect(engine.write('Order', order('o1'))).rejects.toBeInstanceOf(SpaceClosedError);
    const { engine: other } = newEngine();
    await expect(other.read('Order', { template: {} }, { timeout: -1 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('answers at once when a match exists, without queueing', async () => {
    const { engine } = newEngine();
    await engine.write('Order', order('o1'));
    expect((await engine.take('Order', { template: {} }, { timeout: Infinity }))?.id).toBe('o1');
    expect(engine.pendingWaiters).toBe(0);
  });
});

describe('SpaceEngine sink', () => {
  it('resolves only after the append, and rejects with the append error', async () => {
    const { engine, sink } = newEngine();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const appended: string[] = [];
    sink.append = async (ms) => {
      await gate;
      appended.push(...ms.map((m) => m.id));
    };
    let done = false;
    const writing = engine.write('Order', order('o1')).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    release();
    await writing;
    expect(appended).toEqual(['o1']);

    const failure = new Error('broker gone');
    sink.append = () => Promise.reject(failure);
    await expect(engine.write('Order', order('o2'))).rejects.toBe(failure);
  });
});

describe('SpaceEngine subscriptions', () => {
  it('delivers committed mutations matching the selector and ops, until unsubscribed', async () => {
    const { engine, clock } = newEngine();
    const events: SpaceEvent[] = [];
    const stop = engine.subscribe('Order', { template: { status: 'PAID' } }, (e) => events.push(e));
    const takes: SpaceEvent[] = [];
    engine.subscribe('Order', { template: {} }, (e) => takes.push(e), { ops: ['TAKE', 'EXPIRE'] });
    await engine.write('Order', order('o1', { status: 'NEW' }));
    await engine.write('Order', order('o2', { status: 'PAID' }), { lease: 10 });
    await engine.take('Order', { id: 'o1' });
    clock.advance(10);
    await engine.expireDue();
    expect(events.map((e) => [e.op, e.id, e.version])).toEqual([
      ['WRITE', 'o2', 1],
      ['EXPIRE', 'o2', 1],
    ]);
    expect(takes.map((e) => [e.op, e.id, e.entry.status])).toEqual([
      ['TAKE', 'o1', 'NEW'],
      ['EXPIRE', 'o2', 'PAID'],
    ]);
    stop();
    await engine.write('Order', order('o3', { status: 'PAID' }));
    expect(events).toHaveLength(2);
  });

  it('isolates a throwing listener', async () => {
    const errors: unknown[] = [];
    const { engine } = newEngine({ onListenerError: (e) => errors.push(e) });
    const seen: string[] = [];
    engine.subscribe('Order', { template: {} }, () => {
      throw new Error('bad listener');
    });
    engine.subscribe('Order', { template: {} }, (e) => seen.push(e.id));
    await engine.write('Order', order('o1'));
    expect(seen).toEqual(['o1']);
    expect(errors).toHaveLength(1);
  });

  it('without onListenerError, a throwing listener becomes a process warning, at most one per 10 s', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const now = jest.spyOn(Date, 'now');
    try {
      const { engine } = newEngine();
      engine.subscribe('Order', { template: {} }, () => {
        throw new Error('bad listener');
      });
      for (let i = 0; i < 5; i++) await engine.write('Order', order(`o${i}`));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/a subscription listener threw.*bad listener/su);
      // 10 s later the next one is written, saying how many were left out.
      const later = Date.now() + 10_000;
      now.mockImplementation(() => later);
      await engine.write('Order', order('o5'));
      expect(warn).toHaveBeenCalledTimes(2);
      expect(String(warn.mock.calls[1]?.[0])).toMatch(/\(4 more since the last warning\).*bad listener/su);
    } finally {
      warn.mockRestore();
      now.mockRestore();
    }
  });
});

describe('SpaceEngine replication', () => {
  it('applyReplicated rebuilds the same state from the log, normalizing decoded states', async () => {
    const { engine, sink } = newEngine();
    await engine.write('Order', order('o1'));
    await engine.write('Order', order('o2'), { lease: 100 });
    await engine.change('Order', { id: 'o1' }, [{ op: 'set', path: 'status', value: 'PAID' }]);
    await engine.take('Order', { id: 'o2' });
    const { engine: backup } = newEngine();
    // As if decoded from Kafka: fresh, unfrozen objects.
    for (const m of sink.log) backup.applyReplicated(JSON.parse(JSON.stringify(m)));
    expect([...backup.entries()]).toEqual([...engine.entries()]);
    expect(Object.isFrozen(backup.lookup('Order', 'o1')?.entry)).toBe(true);
  });
});
