import { TransactionAbortedError } from '../../../src/errors';
import type { Mutation } from '../../../src/space/Mutation';
import { newEngine, order, snapshot } from './fixtures';
import { FakeTransactionLog, inTransaction, newJournal } from './transactionFixtures';

function twoPartitions() {
  const journal = newJournal();
  const logs = [new FakeTransactionLog(0, journal), new FakeTransactionLog(1, journal)];
  const parts = logs.map((log, k) => newEngine({ partition: k, transactionLog: log }));
  return { journal, logs, engines: parts.map((p) => p.engine), sinks: parts.map((p) => p.sink) };
}

const ids = (ms: readonly Mutation[] | undefined): string[] => (ms ?? []).map((m) => `${m.op}:${m.id}`);

describe('multi-partition commit', () => {
  it('applies every branch in one turn, holds each log, writes once through the lowest partition', async () => {
    const { journal, engines, sinks } = twoPartitions();
    const [p0, p1] = engines as [(typeof engines)[0], (typeof engines)[0]];
    await p1.write('Order', order('b0'));
    const result = await inTransaction(engines, async (branch) => {
      await (await branch(1)).write('Order', order('b1'));
      await (await branch(1)).take('Order', { id: 'b0' });
      await (await branch(0)).write('Order', order('a1'));
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(journal.events).toEqual([
      'hold p0',
      'hold p1',
      'writeAll by p0 (2 holds)',
      'release p0',
      'release p1',
    ]);
    expect(ids(journal.committed.get('p0'))).toEqual(['WRITE:a1']);
    expect(ids(journal.committed.get('p1'))).toEqual(['WRITE:b1', 'TAKE:b0']);
    // The normal sinks carried only the plain write: the transaction went through the holds.
    expect(ids(sinks[1]?.log)).toEqual(['WRITE:b0']);
    expect(sinks[0]?.log).toEqual([]);
    expect(p0.lookup('Order', 'a1')).toBeDefined();
    expect(p1.lookup('Order', 'b1')).toBeDefined();
    expect(p1.lookup('Order', 'b0')).toBeUndefined();
  });

  it('no reader in the process sees half of it: both partitions change in the same turn', async () => {
    const { engines } = twoPartitions();
    const [p0, p1] = engines as [(typeof engines)[0], (typeof engines)[0]];
    const seen: string[] = [];
    let watching = true;
    const watch = (): void => {
      if (!watching) return;
      const a = p0.lookup('Order', 'a') !== undefined;
      const b = p1.lookup('Order', 'b') !== undefined;
      seen.push(`${a}/${b}`);
      setImmediate(watch);
    };
    watch();
    await inTransaction(engines, async (branch) => {
      await (await branch(0)).write('Order', order('a'));
      await new Promise((r) => setTimeout(r, 5));
      await (await branch(1)).write('Order', order('b'));
    });
    await new Promise((r) => setImmediate(r));
    watching = false;
    expect(new Set(seen)).toEqual(new Set(['false/false', 'true/true']));
  });

  it('a failed Kafka commit fails every held log (the partitions rebuild from the log)', async () => {
    const { journal, logs, engines } = twoPartitions();
    journal.failWriteWith = new Error('broker gone');
    const result = inTransaction(engines, async (branch) => {
      await (await branch(0)).write('Order', order('a'));
      await (await branch(1)).write('Order', order('b'));
    });
    await expect(result).rejects.toThrow('broker gone');
    expect(journal.events).toEqual(['hold p0', 'hold p1', 'writeAll by p0 (2 holds)', 'fail p0', 'fail p1']);
    expect(logs.map((l) => l.failed)).toEqual([journal.failWriteWith, journal.failWriteWith]);
  });

  it('a partition that stops accepting before the commit aborts it with nothing applied', async () => {
    const { journal, logs, engines } = twoPartitions();
    const before = engines.map(snapshot);
    const result = inTransaction(engines, async (branch) => {
      await (await branch(0)).write('Order', order('a'));
      await (await branch(1)).write('Order', order('b'));
      (logs[1] as FakeTransactionLog).accepting = false;
    });
    await expect(result).rejects.toBeInstanceOf(TransactionAbortedError);
    await expect(result).rejects.toMatchObject({ retriable: true, partition: 1 });
    expect(journal.events).toEqual([]);
    expect(engines.map(snapshot)).toEqual(before);
    expect(engines.map((e) => e.locks.size)).toEqual([0, 0]);
  });

  it('a branch that only read commits nothing and holds nothing', async () => {
    const { journal, engines, sinks } = twoPartitions();
    await engines[1]?.write('Order', order('b'));
    await inTransaction(engines, async (branch) => {
      (await branch(1)).read('Order', { id: 'b' });
      await (await branch(0)).write('Order', order('a'));
    });
    expect(journal.events).toEqual([]);
    expect(ids(sinks[0]?.log)).toEqual(['WRITE:a']);
  });
});
