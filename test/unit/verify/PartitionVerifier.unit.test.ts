import type { Entry } from '../../../src/schema/Entry';
import {
  entryKey,
  PartitionVerifier,
  type HeldEntry,
  type SourceSnapshot,
} from '../../../src/verify/PartitionVerifier';
import type { VerifySource } from '../../../src/verify/VerifyDifference';
import { newEngine, order, exampleTypes } from '../space/fixtures';

type Engine = ReturnType<typeof newEngine>;

/** The engine's entries now, as a source holds them. */
function held(engine: Engine['engine']): Map<string, HeldEntry> {
  const entries = new Map<string, HeldEntry>();
  for (const e of engine.entries()) entries.set(entryKey(e.type, e.id), { ...e });
  return entries;
}

function source(
  name: VerifySource,
  entries: Map<string, HeldEntry>,
  from: number,
  to = from,
): SourceSnapshot {
  return { source: name, entries, from, to };
}

/** Folds the recorded log (offset = position in the sink) through a verifier of `sources`. */
function verify(log: Engine['sink']['log'], sources: SourceSnapshot[], maxDifferences?: number) {
  const verifier = new PartitionVerifier(exampleTypes(), 0, sources, maxDifferences);
  log.forEach((m, offset) => verifier.apply(m, offset));
  return verifier.finish();
}

async function workload(): Promise<Engine> {
  const e = newEngine();
  await e.engine.write('Order', order('o1'));
  await e.engine.write('Order', order('o2', { total: 5 }));
  await e.engine.write('Order', order('o3'));
  await e.engine.change('Order', { id: 'o1' }, [{ op: 'set', path: 'status', value: 'PAID' }]);
  await e.engine.take('Order', { id: 'o3' });
  return e;
}

describe('PartitionVerifier (the comparison of spacelog verify)', () => {
  it('finds no difference between an engine and the fold of its own log', async () => {
    const { engine, sink } = await workload();
    const verdict = verify(sink.log, [source('grid', held(engine), sink.log.length)]);
    expect(verdict.differences).toEqual([]);
    expect(verdict.counts.grid).toMatchObject({ compared: 2, missing: 0, extra: 0, version: 0, content: 0 });
    expect(verdict.records).toBe(sink.log.length);
  });

  it('reports a missing, an extra, a version and a content difference by type and id', async () => {
    const { engine, sink } = await workload();
    const entries = held(engine);
    const o1 = entries.get(entryKey('Order', 'o1'))!;
    const o2 = entries.get(entryKey('Order', 'o2'))!;
    entries.delete(entryKey('Order', 'o1'));
    entries.set(entryKey('Order', 'ghost'), { ...o2, id: 'ghost' });
    entries.set(entryKey('Order', 'o2'), { ...o2, entry: { ...o2.entry, total: 6 } as Entry });
    const verdict = verify(sink.log, [source('mirror', entries, sink.log.length)]);
    expect(verdict.differences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: 'mirror', kind: 'missing', type: 'Order', id: 'o1' }),
        expect.objectContaining({ kind: 'extra', type: 'Order', id: 'ghost' }),
        expect.objectContaining({ kind: 'content', type: 'Order', id: 'o2', field: 'total' }),
      ]),
    );
    expect(verdict.differences).toHaveLength(3);

    const stale = held(engine);
    stale.set(entryKey('Order', 'o1'), { ...o1, version: 1 });
    const older = verify(sink.log, [source('grid', stale, sink.log.length)]);
    expect(older.differences).toEqual([
      expect.objectContaining({
        kind: 'version',
        id: 'o1',
        log: { version: 2, leaseExpiresAt: null },
        found: { version: 1, leaseExpiresAt: null },
      }),
    ]);
  });

  it('reports a lease that differs as a content difference of _lease', async () => {
    const { engine, sink } = await workload();
    const entries = held(engine);
    const o2 = entries.get(entryKey('Order', 'o2'))!;
    entries.set(entryKey('Order', 'o2'), { ...o2, leaseExpiresAt: 123 });
    const verdict = verify(sink.log, [source('mirror', entries, sink.log.length)]);
    expect(verdict.differences).toEqual([
      expect.objectContaining({ kind: 'content', id: 'o2', field: '_lease' }),
    ]);
  });

  it('compares each source at its own position in one pass (a mirror behind the grid)', async () => {
    const { engine, sink } = newEngine();
    await engine.write('Order', order('o1'));
    await engine.write('Order', order('o2'));
    const mirrorAt = sink.log.length;
    const mirror = held(engine);
    await engine.change('Order', { id: 'o1' }, [{ op: 'set', path: 'total', value: 7 }]);
    await engine.take('Order', { id: 'o2' });
    const verdict = verify(sink.log, [
      source('grid', held(engine), sink.log.length),
      source('mirror', mirror, mirrorAt),
    ]);
    expect(verdict.differences).toEqual([]);
    expect(verdict.counts.mirror?.compared).toBe(2);
    expect(verdict.counts.grid?.compared).toBe(1);
    // The same mirror rows compared at the grid's position are behind.
    const late = verify(sink.log, [source('mirror', mirror, sink.log.length)]);
    expect(late.differences.map((d) => `${d.kind} ${d.id}`).sort()).toEqual(['extra o2', 'version o1']);
  });

  it('accepts, inside the window of a read, any state an entry passed through, and nothing else', async () => {
    const { engine, sink } = newEngine();
    await engine.write('Order', order('o1'));
    await engine.write('Order', order('o2'));
    const from = sink.log.length;
    // The grid was read here: o1 at version 2, o2 still there, o3 not yet written.
    await engine.change('Order', { id: 'o1' }, [{ op: 'set', path: 'total', value: 1 }]);
    const mid = held(engine);
    await engine.change('Order', { id: 'o1' }, [{ op: 'set', path: 'total', value: 2 }]);
    await engine.take('Order', { id: 'o2' });
    await engine.write('Order', order('o3'));
    const to = sink.log.length;
    const verdict = verify(sink.log, [source('grid', mid, from, to)]);
    expect(verdict.differences).toEqual([]);
    expect(verdict.counts.grid?.moving).toBe(3);

    // A state o1 never had in the window is still a difference.
    const wrong = held(engine);
    const o1 = wrong.get(entryKey('Order', 'o1'))!;
    wrong.set(entryKey('Order', 'o1'), { ...o1, entry: { ...o1.entry, total: 99 } as Entry });
    const bad = verify(sink.log, [source('grid', wrong, from, to)]);
    expect(bad.differences).toEqual([expect.objectContaining({ kind: 'content', id: 'o1', field: 'total' })]);
  });

  it('holds an entry untouched by the window to the exact fold', async () => {
    const { engine, sink } = newEngine();
    await engine.write('Order', order('o1'));
    const from = sink.log.length;
    await engine.write('Order', order('o2'));
    const entries = held(engine);
    entries.delete(entryKey('Order', 'o1'));
    const verdict = verify(sink.log, [source('grid', entries, from, sink.log.length)]);
    expect(verdict.differences).toEqual([expect.objectContaining({ kind: 'missing', id: 'o1' })]);
  });

  it('lists at most maxDifferences and says the list is truncated, with complete counts', async () => {
    const { engine, sink } = newEngine();
    for (let i = 0; i < 10; i++) await engine.write('Order', order(`o${i}`));
    const verdict = verify(sink.log, [source('mirror', new Map(), sink.log.length)], 3);
    expect(verdict.differences).toHaveLength(3);
    expect(verdict.truncated).toBe(true);
    expect(verdict.counts.mirror?.missing).toBe(10);
  });

  it('ignores records at or past the highest position compared', async () => {
    const { engine, sink } = newEngine();
    await engine.write('Order', order('o1'));
    const at = sink.log.length;
    const entries = held(engine);
    await engine.write('Order', order('o2'));
    const verifier = new PartitionVerifier(exampleTypes(), 0, [source('mirror', entries, at)]);
    expect(verifier.needsUpTo).toBe(at);
    sink.log.forEach((m, offset) => verifier.apply(m, offset));
    expect(verifier.finish()).toMatchObject({ records: at, differences: [] });
  });
});
