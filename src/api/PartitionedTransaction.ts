import type { TypeRegistry } from '../schema/TypeRegistry';
import type { ChangeOp } from '../space/ChangeSet';
import type { Entry } from '../schema/Entry';
import type { ChangeOptions, ChangeResult, WriteOptions } from '../space/Operation';
import { ALL, type Selector } from '../space/Selector';
import type { Transaction } from '../space/transaction/Transaction';
import type { TransactionBranch } from '../space/transaction/TransactionBranch';
import type { SpaceEngine } from '../space/SpaceEngine';
import type {
  MultipleOptions,
  RoutingOptions,
  SpaceTransaction,
  SpaceWriteResult,
  TransactionReadOptions,
} from './Space';
import type { SpaceRouting } from './SpaceRouting';
import type { EntryFor, EntryTypeName, InputFor, UntypedEntries } from './typedEntries';

/** Merges broadcast readMultiple answers (ORDER BY and LIMIT of the query, then `limit`). */
export type MergeEntries = (
  type: string,
  selector: Selector,
  entries: Entry[],
  limit: number | undefined,
) => Entry[];

/**
 * The SpaceTransaction handed to a transaction's callback: routes each operation to the branch of
 * its partition (opened on first use), exactly as PartitionedSpace routes plain operations. Typed by
 * the maps of the space that opened it (types only: nothing is checked at run time beyond the schemas).
 * @internal
 */
export class PartitionedTransaction<
  TM extends object = UntypedEntries,
  TI extends object = TM,
> implements SpaceTransaction<TM, TI> {
  constructor(
    private readonly transaction: Transaction,
    private readonly types: TypeRegistry,
    private readonly routing: SpaceRouting,
    private readonly access: PartitionAccess,
    private readonly merge: MergeEntries,
  ) {}

  async write<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    entry: InputFor<T, TI, N>,
    options?: WriteOptions,
  ): Promise<SpaceWriteResult> {
    return this.routing.routeWrite(this.types.require(type), entry as Entry, async (partition, routed) =>
      (await this.branch(partition)).write(type, routed, options),
    );
  }

  async read<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    options: TransactionReadOptions = {},
  ): Promise<EntryFor<T, TM, N> | null> {
    for (const k of this.partitionsOf(type, selector, options)) {
      const found = (await this.branch(k)).read(type, selector);
      if (found !== null) return found as EntryFor<T, TM, N>;
    }
    return null;
  }

  async take<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector,
    options: TransactionReadOptions = {},
  ): Promise<EntryFor<T, TM, N> | null> {
    for (const k of this.partitionsOf(type, selector, options)) {
      const found = await (await this.branch(k)).take(type, selector);
      if (found !== null) return found as EntryFor<T, TM, N>;
    }
    return null;
  }

  async readMultiple<T extends object = never, N extends EntryTypeName<TM> = EntryTypeName<TM>>(
    type: N,
    selector: Selector = ALL,
    options: MultipleOptions = {},
  ): Promise<EntryFor<T, TM, N>[]> {
    const partitions = this.partitionsOf(type, selector, options);
    const parts: Entry[][] = [];
    for (const k of partitions)
      parts.push((await this.branch(k)).readMultiple(type, selector, options.limit));
    const entries =
      partitions.length === 1 ? (parts[0] ?? []) : this.merge(type, selector, parts.flat(), options.limit);
    return entries as EntryFor<T, TM, N>[];
  }

  async change(
    type: EntryTypeName<TM>,
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

/** How the space reaches the serving engine of a partition (it may wait for warm-up). */
export type PartitionAccess = (partition: number) => SpaceEngine | Promise<SpaceEngine>;
