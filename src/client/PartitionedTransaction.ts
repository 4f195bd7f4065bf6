import type { TypeRegistry } from '../schema/TypeRegistry';
import type { ChangeOp } from '../space/ChangeSet';
import type { Entry } from '../space/Mutation';
import type { ChangeOptions, ChangeResult, WriteOptions } from '../space/Operation';
import { ALL, type Selector } from '../space/Selector';
import type { Transaction } from '../space/transaction/Transaction';
import type { TransactionBranch } from '../space/transaction/TransactionBranch';
import type { PartitionAccess } from './PartitionedSpace';
import type {
  MultipleOptions,
  RoutingOptions,
  SpaceTransaction,
  SpaceWriteResult,
  TransactionReadOptions,
} from './Space';
import type { SpaceRouting } from './SpaceRouting';

/** Merges broadcast readMultiple answers (ORDER BY and LIMIT of the query, then `limit`). */
export type MergeEntries = (
  type: string,
  selector: Selector,
  entries: Entry[],
  limit: number | undefined,
) => Entry[];

/**
 * The SpaceTransaction handed to a transaction's callback: routes each operation to the branch of
 * its partition (opened on first use), exactly as PartitionedSpace routes plain operations.
 * @internal
 */
export class PartitionedTransaction implements SpaceTransaction {
  constructor(
    private readonly transaction: Transaction,
    private readonly types: TypeRegistry,
    private readonly routing: SpaceRouting,
    private readonly access: PartitionAccess,
    private readonly merge: MergeEntries,
  ) {}

  async write(
    type: string,
    entry: Readonly<Record<string, unknown>>,
    options?: WriteOptions,
  ): Promise<SpaceWriteResult> {
    return this.routing.routeWrite(this.types.require(type), entry, async (partition, routed) =>
      (await this.branch(partition)).write(type, routed, options),
    );
  }

  async read(type: string, selector: Selector, options: TransactionReadOptions = {}): Promise<Entry | null> {
    for (const k of this.partitionsOf(type, selector, options)) {
      const found = (await this.branch(k)).read(type, selector);
      if (found !== null) return found;
    }
    return null;
  }

  async take(type: string, selector: Selector, options: TransactionReadOptions = {}): Promise<Entry | null> {
    for (const k of this.partitionsOf(type, selector, options)) {
      const found = await (await this.branch(k)).take(type, selector);
      if (found !== null) return found;
    }
    return null;
  }

  async readMultiple(
    type: string,
    selector: Selector = ALL,
    options: MultipleOptions = {},
  ): Promise<Entry[]> {
    const partitions = this.partitionsOf(type, selector, options);
    const parts: Entry[][] = [];
    for (const k of partitions)
      parts.push((await this.branch(k)).readMultiple(type, selector, options.limit));
    if (partitions.length === 1) return parts[0] ?? [];
    return this.merge(type, selector, parts.flat(), options.limit);
  }

  async change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options: ChangeOptions & RoutingOptions = {},
  ): Promise<ChangeResult> {
    const { routing: _routing, ...changeOptions } = options;
    let count = 0;
    const changed: ChangeResult['changed'][number][] = [];
    for (const k of this.partitionsOf(type, selector, options)) {
      const result = await (await this.branch(k)).change(type, selector, changes, changeOptions);
      count += result.count;
      changed.push(...result.changed);
    }
    return { count, changed };
  }

  private partitionsOf(type: string, selector: Selector, options: RoutingOptions): number[] {
    const target = this.routing.forSelector(this.types.require(type), selector, options.routing);
    return target === undefined ? this.routing.all() : [target];
  }

  private branch(partition: number): Promise<TransactionBranch> {
    return this.transaction.branch(partition, () => this.access(partition));
  }
}
