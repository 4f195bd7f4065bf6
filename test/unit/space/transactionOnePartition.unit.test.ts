import { CrossPartitionTransactionError } from '../../../src/errors';
import { newEngine, order } from './fixtures';
import { FakeTransactionLog, inTransaction, newJournal } from './transactionFixtures';

/** Two partitions whose logs move alone, as in a processing unit: each log is a group of its own. */
function movablePartitions() {
  const journal = newJournal();
  const parts = [0, 1].map((k) =>
    newEngine({ partition: k, transactionLog: new FakeTransactionLog(k, journal, `own-${k}`) }),
  );
  return { journal, engines: parts.map((p) => p.engine), sinks: parts.map((p) => p.sink) };
}

describe('a transaction over logs that move alone (one writer per partition)', () => {
  it('is refused as it opens a second partition, with the partitions named, and nothing is applied', async () => {
    const { journal, engines, sinks } = movablePartitions();
    const outcome = inTransaction(engines, async (branch) => {
      await (await branch(1)).write('Order', order('b1'));
      await (await branch(0)).write('Order', order('a1'));
    });
    await expect(outcome).rejects.toBeInstanceOf(CrossPartitionTransactionError);
    await expect(outcome).rejects.toMatchObject({
      code: 'CROSS_PARTITION_TRANSACTION',
      retriable: false,
      partitions: [0, 1],
    });
    expect(engines[0]?.lookup('Order', 'a1')).toBeUndefined();
    expect(engines[1]?.lookup('Order', 'b1')).toBeUndefined();
    expect(journal.events).toEqual([]);
    expect(sinks.map((s) => s.log.length)).toEqual([0, 0]);
  });

  it('rolls the whole transaction back even when the callback catches the error', async () => {
    const { engines, sinks } = movablePartitions();
    const outcome = inTransaction(engines, async (branch) => {
      await (await branch(1)).write('Order', order('b1'));
      await (await branch(0)).write('Order', order('a1')).catch(() => 'ignored');
      return 'done';
    });
    await expect(outcome).rejects.toBeInstanceOf(CrossPartitionTransactionError);
    expect(engines[1]?.lookup('Order', 'b1')).toBeUndefined();
    expect(sinks[1]?.log).toEqual([]);
  });

  it('commits a transaction of one partition through that partition alone', async () => {
    const { engines, sinks } = movablePartitions();
    await inTransaction(engines, async (branch) => {
      await (await branch(1)).write('Order', order('b1'));
      await (await branch(1)).write('Order', order('b2'));
    });
    expect(engines[1]?.lookup('Order', 'b2')).toBeDefined();
    expect(sinks[1]?.log.map((m) => m.id)).toEqual(['b1', 'b2']);
  });
});
