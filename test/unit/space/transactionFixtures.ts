import type { Mutation } from '../../../src/space/Mutation';
import type { SpaceEngine } from '../../../src/space/SpaceEngine';
import { Transaction } from '../../../src/space/transaction/Transaction';
import type { TransactionBranch } from '../../../src/space/transaction/TransactionBranch';
import type { LogHold, PreparedRecords, TransactionLog } from '../../../src/space/transaction/TransactionLog';

/** What a fake log saw: holds queued, and the one cross-partition write. */
export interface FakeLogJournal {
  readonly events: string[];
  /** Mutations committed through writeAll, per topic, in order. */
  readonly committed: Map<string, Mutation[]>;
  failWriteWith: Error | undefined;
}

interface FakePrepared extends PreparedRecords {
  readonly mutations: readonly Mutation[];
}

/** A TransactionLog of one partition that records what a multi-partition commit does with it. */
export class FakeTransactionLog implements TransactionLog {
  accepting = true;
  failed: unknown;

  constructor(
    readonly partition: number,
    private readonly journal: FakeLogJournal,
    /** Logs of one group share a Kafka transaction; a unit's partition is a group of its own. */
    readonly group = 'fake',
  ) {}

  prepare(mutations: readonly Mutation[]): FakePrepared {
    return { topic: `p${this.partition}`, count: mutations.length, mutations };
  }

  hold(records: PreparedRecords): LogHold {
    const journal = this.journal;
    const partition = this.partition;
    const onFail = (error: unknown): void => {
      this.failed = error;
    };
    journal.events.push(`hold p${this.partition}`);
    return {
      records,
      reached: Promise.resolve(),
      async writeAll(holds: readonly LogHold[]): Promise<void> {
        journal.events.push(`writeAll by p${partition} (${holds.length} holds)`);
        if (journal.failWriteWith) throw journal.failWriteWith;
        for (const h of holds) {
          const prepared = h.records as FakePrepared;
          journal.committed.set(prepared.topic, [...prepared.mutations]);
        }
      },
      release(): void {
        journal.events.push(`release p${partition}`);
      },
      fail(error: unknown): void {
        journal.events.push(`fail p${partition}`);
        onFail(error);
      },
    };
  }
}

export function newJournal(): FakeLogJournal {
  return { events: [], committed: new Map(), failWriteWith: undefined };
}

/** Runs `fn` in a transaction over the given engines (partition k = engines[k]). */
export function inTransaction<T>(
  engines: readonly SpaceEngine[],
  fn: (branch: (k: number) => Promise<TransactionBranch>) => Promise<T>,
  timeout = 5000,
): Promise<T> {
  const tx = new Transaction(timeout);
  return tx.run(() => fn((k) => tx.branch(k, () => engines[k] as SpaceEngine)));
}

/** Resolves after pending promise callbacks and timers of 0 ms have run. */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
