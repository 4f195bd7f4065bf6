import { CrossPartitionTransactionError, TransactionAbortedError } from '../../errors';
import type { Mutation } from '../Mutation';
import type { TransactionBranch } from './TransactionBranch';
import type { LogHold, PreparedRecords, TransactionLog } from './TransactionLog';

/**
 * Commits the branches of one transaction, all or nothing.
 *
 * - No branch wrote: the locks are released. One branch wrote: it commits like any operation of its
 *   partition (one `append`, which is one Kafka transaction).
 * - Several branches wrote: every record is encoded first (bad input aborts with nothing applied);
 *   then, in ONE synchronous turn, each engine applies its branch and its log queues a hold at that
 *   exact position, so no reader in this process ever sees part of the transaction and each partition
 *   log keeps the engine's order. Once every hold is reached, the lowest partition's producer writes
 *   all records in one Kafka transaction and commits; the holds are released. If that fails, the
 *   engines have applied a transaction that is not in the log, so every involved log ends and its
 *   partition fails stop and rebuilds from the log (as for any failed append).
 *
 * docs/design.md law 3 holds because every involved primary is in this process, its own writer is held while the
 * leader's producer writes to its topic, and they move together (a takeover fences them all). Logs
 * that may move alone (a processing unit's) are each a group of their own, so a transaction there
 * spans one partition: `CrossPartitionTransactionError` (checked as branches open, and here before
 * the point of no return). A cross-process two-phase commit is not provided.
 * @internal
 */
export async function commitBranches(branches: readonly TransactionBranch[]): Promise<void> {
  const writing = branches.filter((b) => b.pending.length > 0).sort((a, b) => order(a) - order(b));
  for (const branch of branches) if (branch.pending.length === 0) branch.abort();
  if (writing.length === 0) return;
  for (const branch of writing) if (!branch.usable) throw stopped(branch);
  if (writing.length === 1) return (writing[0] as TransactionBranch).commit();

  const logs = writing.map((b) => logOf(b, writing));
  let prepared: PreparedRecords[];
  try {
    prepared = writing.map((b, i) => (logs[i] as TransactionLog).prepare(b.pending));
  } catch (error) {
    throw new TransactionAbortedError('transaction aborted: a mutation could not be encoded', {
      cause: error,
    });
  }
  for (const [i, branch] of writing.entries()) {
    if (!branch.usable || !(logs[i] as TransactionLog).accepting) throw stopped(branch);
  }

  // The point of no return: from here the engines hold the transaction.
  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined); // the engines' commits carry the outcome to their callers
  const holds: LogHold[] = [];
  const applied: Promise<void>[] = [];
  try {
    for (const [i, branch] of writing.entries()) {
      const log = logs[i] as TransactionLog;
      const records = prepared[i] as PreparedRecords;
      applied.push(
        branch.commit((_mutations: readonly Mutation[]) => {
          holds.push(log.hold(records));
          return done;
        }),
      );
    }
  } catch (error) {
    // Only a bug gets here (every check passed in this same turn): fail stop whatever was applied.
    for (const hold of holds) hold.fail(error);
    for (const branch of writing) branch.abort();
    settle.reject(error);
    throw error;
  }
  try {
    await Promise.all(holds.map((h) => h.reached));
    await (holds[0] as LogHold).writeAll(holds);
  } catch (error) {
    for (const hold of holds) hold.fail(error);
    settle.reject(error);
    await Promise.allSettled(applied);
    throw error;
  }
  for (const hold of holds) hold.release();
  settle.resolve();
  await Promise.all(applied);
}

function logOf(branch: TransactionBranch, all: readonly TransactionBranch[]): TransactionLog {
  const log = branch.log;
  const group = all[0]?.log?.group;
  if (log === undefined || log.group !== group) {
    throw new CrossPartitionTransactionError(all.map(order), partitionOf(branch));
  }
  return log;
}

function stopped(branch: TransactionBranch): TransactionAbortedError {
  return new TransactionAbortedError(
    `transaction aborted: partition ${String(branch.partition)} stopped serving before the commit; retry`,
    { retriable: true, ...partitionOf(branch) },
  );
}

function order(branch: TransactionBranch): number {
  return branch.partition ?? 0;
}

function partitionOf(branch: TransactionBranch): { partition?: number } {
  return branch.partition === undefined ? {} : { partition: branch.partition };
}
