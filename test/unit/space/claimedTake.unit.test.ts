import fc from 'fast-check';
import { OperationAbortedError, SpaceClosedError } from '../../../src/errors';
import type { Mutation } from '../../../src/space/Mutation';
import type { Entry } from '../../../src/schema/Entry';
import type { SpaceEngine } from '../../../src/space/SpaceEngine';
import { newEngine, order, type RecordingSink } from './fixtures';
import { inTransaction, settle } from './transactionFixtures';

/**
 * Makes `sink` slow: each append lands `delay()` ms after it was called, and never before the previous
 * one (a partition log is appended in order). Timers are whatever jest has (real or fake).
 */
function slowSink(sink: RecordingSink, delay: () => number): void {
  let last = Promise.resolve();
  sink.append = (mutations: readonly Mutation[]): Promise<void> => {
    const wait = new Promise<void>((resolve) => setTimeout(resolve, delay()));
    const done = Promise.all([last, wait]).then(() => {
      sink.log.push(...mutations);
      sink.appends.push([...mutations]);
    });
    last = done;
    return done;
  };
}

/** What happened to each entry: acknowledged writes, and the takes that returned it. */
function ledger(): { acked: Set<string>; returned: Map<string, number> } {
  return { acked: new Set(), returned: new Map() };
}

/** Every acknowledged write is readable, or was returned by exactly one take (and then is not readable). */
function expectNothingLost(engine: SpaceEngine, seen: ReturnType<typeof ledger>): void {
  for (const id of seen.acked) {
    const live = engine.lookup('Order', id) !== undefined;
    const takes = seen.returned.get(id) ?? 0;
    expect({ id, live, takes }).toEqual({ id, live, takes: live ? 0 : 1 });
  }
  for (const [id, takes] of seen.returned) expect({ id, takes }).toEqual({ id, takes: 1 });
}

function noteTaken(seen: ReturnType<typeof ledger>, entry: Entry | null): void {
  if (entry !== null) seen.returned.set(entry.id as string, (seen.returned.get(entry.id as string) ?? 0) + 1);
}

describe('a take claimed for a hand-over (issue 16, item 2)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('regression: a take timing out during the 50 ms hand-over append still receives the written entry', async () => {
    const { engine, sink } = newEngine();
    slowSink(sink, () => 50);
    const taking = engine.take('Order', { template: {} }, { timeout: 10 });
    const writing = engine.write('Order', order('o1'));
    await jest.advanceTimersByTimeAsync(100);
    expect((await writing).version).toBe(1);
    // The log holds WRITE, TAKE: the entry left the space for this take, so the take must have it.
    expect(sink.log.map((m) => `${m.op}:${m.id}`)).toEqual(['WRITE:o1', 'TAKE:o1']);
    expect((await taking)?.id).toBe('o1');
    expect(engine.lookup('Order', 'o1')).toBeUndefined();
  });

  it('regression: a take aborted during the hand-over append still receives the written entry', async () => {
    const { engine, sink } = newEngine();
    slowSink(sink, () => 50);
    const controller = new AbortController();
    const taking = engine.take('Order', { template: {} }, { timeout: Infinity, signal: controller.signal });
    const writing = engine.write('Order', order('o1'));
    await jest.advanceTimersByTimeAsync(10);
    controller.abort();
    await jest.advanceTimersByTimeAsync(90);
    expect((await writing).version).toBe(1);
    expect((await taking)?.id).toBe('o1');
    expect(engine.lookup('Order', 'o1')).toBeUndefined();
  });

  it('a take timing out while an UPDATE it matched has its TAKE appended still receives the entry', async () => {
    const { engine, sink } = newEngine();
    await engine.write('Order', order('o1', { status: 'NEW' }));
    slowSink(sink, () => 50);
    const taking = engine.take('Order', { template: { status: 'PAID' } }, { timeout: 10 });
    const changing = engine.change('Order', { id: 'o1' }, [{ op: 'set', path: 'status', value: 'PAID' }]);
    await jest.advanceTimersByTimeAsync(200);
    await changing;
    expect(sink.log.map((m) => `${m.op}:${m.id}`)).toEqual(['WRITE:o1', 'UPDATE:o1', 'TAKE:o1']);
    expect(await taking).toMatchObject({ id: 'o1', status: 'PAID' });
  });

  it('a claimed take whose timeout passed gets the append error when the hand-over fails (nothing was acknowledged)', async () => {
    const { engine, sink } = newEngine();
    const failure = new Error('log down');
    sink.append = () => new Promise((_, reject) => setTimeout(() => reject(failure), 50));
    const taking = engine.take('Order', { template: {} }, { timeout: 10 });
    const writing = engine.write('Order', order('o1'));
    const outcomes = Promise.allSettled([writing, taking]);
    await jest.advanceTimersByTimeAsync(100);
    const [written, taken] = await outcomes;
    expect(written).toEqual({ status: 'rejected', reason: failure });
    expect(taken).toEqual({ status: 'rejected', reason: failure });
  });

  it('a waiting take stays a waiter when a transaction writes and takes the same entry in one commit', async () => {
    jest.useRealTimers();
    const { engine } = newEngine();
    const taking = engine.take('Order', { template: {} }, { timeout: Infinity });
    await inTransaction([engine], async (branch) => {
      const b = await branch(0);
      await b.write('Order', order('t1', { status: 'PAID' }));
      await b.change('Order', { id: 't1' }, [{ op: 'set', path: 'total', value: 5 }]);
    });
    await settle();
    // The commit leaves t1 at version 2: the take gets that state, not the transaction's first one.
    expect(await taking).toMatchObject({ id: 't1', total: 5 });
    expect(engine.lookup('Order', 't1')).toBeUndefined();
  });

  it('a waiting take is still waiting after a transaction committed an entry it also removed', async () => {
    jest.useRealTimers();
    const { engine } = newEngine();
    const taking = engine.take('Order', { template: {} }, { timeout: Infinity });
    await inTransaction([engine], async (branch) => {
      const b = await branch(0);
      await b.write('Order', order('t1'));
      await b.take('Order', { id: 't1' });
    });
    await settle();
    expect(engine.pendingWaiters).toBe(1);
    await engine.write('Order', order('t2'));
    expect((await taking)?.id).toBe('t2');
  });

  it('property: with a slow log, racing timeouts and aborts, every acknowledged write is readable or returned by exactly one take', async () => {
    const takeArb = fc.record({
      kind: fc.constant('take' as const),
      at: fc.integer({ min: 0, max: 60 }),
      paidOnly: fc.boolean(),
      timeout: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(Infinity)),
      abortAfter: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
    });
    const writeArb = fc.record({
      kind: fc.constant('write' as const),
      at: fc.integer({ min: 0, max: 60 }),
      paid: fc.boolean(),
    });
    const payArb = fc.record({
      kind: fc.constant('pay' as const),
      at: fc.integer({ min: 0, max: 60 }),
      of: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(takeArb, writeArb, payArb), { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 10 }),
        async (events, delays) => {
          const { engine, sink } = newEngine();
          let nth = 0;
          slowSink(sink, () => delays[nth++ % delays.length] as number);
          const seen = ledger();
          const written: string[] = [];
          const settling: Promise<unknown>[] = [];
          events.forEach((event, i) => {
            setTimeout(() => {
              if (event.kind === 'write') {
                const id = `w${i}`;
                written.push(id);
                const status = event.paid ? 'PAID' : 'NEW';
                settling.push(engine.write('Order', order(id, { status })).then(() => seen.acked.add(id)));
              } else if (event.kind === 'pay') {
                const id = written[event.of % Math.max(1, written.length)];
                if (id === undefined) return;
                const paying = engine.change('Order', { id }, [{ op: 'set', path: 'status', value: 'PAID' }]);
                settling.push(paying.catch(() => undefined));
              } else {
                const controller = new AbortController();
                if (event.abortAfter !== undefined) setTimeout(() => controller.abort(), event.abortAfter);
                const template = event.paidOnly ? { status: 'PAID' } : {};
                const taking = engine.take(
                  'Order',
                  { template },
                  { timeout: event.timeout, signal: controller.signal },
                );
                settling.push(
                  taking.then(
                    (entry) => noteTaken(seen, entry),
                    (error: unknown) => {
                      // Aborted while waiting, or still waiting when the engine closed.
                      if (!(error instanceof SpaceClosedError))
                        expect(error).toBeInstanceOf(OperationAbortedError);
                    },
                  ),
                );
              }
            }, event.at);
          });
          // Everything scheduled, every append and every finite timeout is over well before then.
          await jest.advanceTimersByTimeAsync(60 + 40 + 30 * (events.length * 2 + 1) + 50);
          // Takes still waiting (no timeout, no abort, nothing matched) end with the engine.
          engine.close();
          await Promise.allSettled(settling);
          expectNothingLost(engine, seen);
        },
      ),
      { numRuns: 300 },
    );
  });
});
