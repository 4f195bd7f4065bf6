import { NotCollocatedError } from '../errors';
import type {
  MultipleOptions,
  RoutingOptions,
  SpaceTransaction,
  SpaceWriteResult,
  TransactionReadOptions,
} from '../api/Space';
import type { SpaceRouting } from '../api/SpaceRouting';
import type { EntryFor, InputFor, UntypedEntries } from '../api/typedEntries';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { ChangeOp } from '../space/ChangeSet';
import type { Entry } from '../schema/Entry';
import type { ChangeOptions, ChangeResult, WriteOptions } from '../space/Operation';
import { ALL, type Selector } from '../space/Selector';
import type { TransactionBranch } from '../space/transaction/TransactionBranch';

/**
 * The SpaceTransaction a polling container's handler gets: every operation goes to the ONE partition
 * the cycle took its entries from (its transaction branch), so the commit is one append, one Kafka
 * transaction. An operation whose routing names another partition is refused with NotCollocatedError
 * before it touches anything (the attempt then fails and rolls back whole). An operation without a
 * routing value (a template or query not naming the routing field) sees this partition only, as a
 * processing unit's local transaction does in XAP.
 * @internal
 */
export class CollocatedTransaction implements SpaceTransaction {
  constructor(
    private readonly partition: number,
    private readonly branch: TransactionBranch,
    private readonly types: TypeRegistry,
    private readonly routing: SpaceRouting,
  ) {}

  async write<T extends object = never, N extends string = string>(
    type: N,
    entry: InputFor<T, UntypedEntries, N>,
    options?: WriteOptions,
  ): Promise<SpaceWriteResult> {
    const routed = this.routing.forWrite(this.types.require(type), entry as Entry);
    this.check(`write of ${type}`, type, routed.partition);
    const result = await this.branch.write(type, routed.entry, options);
    return { ...result, partition: this.partition };
  }

  async read<T extends object = never, N extends string = string>(
    type: N,
    selector: Selector,
    options: TransactionReadOptions = {},
  ): Promise<EntryFor<T, UntypedEntries, N> | null> {
    this.route('read', type, selector, options);
    return this.branch.read(type, selector) as EntryFor<T, UntypedEntries, N> | null;
  }

  async take<T extends object = never, N extends string = string>(
    type: N,
    selector: Selector,
    options: TransactionReadOptions = {},
  ): Promise<EntryFor<T, UntypedEntries, N> | null> {
    this.route('take', type, selector, options);
    return (await this.branch.take(type, selector)) as EntryFor<T, UntypedEntries, N> | null;
  }

  async readMultiple<T extends object = never, N extends string = string>(
    type: N,
    selector: Selector = ALL,
    options: MultipleOptions = {},
  ): Promise<EntryFor<T, UntypedEntries, N>[]> {
    this.route('readMultiple', type, selector, options);
    return this.branch.readMultiple(type, selector, options.limit) as EntryFor<T, UntypedEntries, N>[];
  }

  async change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options: ChangeOptions & RoutingOptions = {},
  ): Promise<ChangeResult> {
    const { routing: _routing, ...changeOptions } = options;
    this.route('change', type, selector, options);
    return this.branch.change(type, selector, changes, changeOptions);
  }

  private route(operation: string, type: string, selector: Selector, options: RoutingOptions): void {
    const target = this.routing.forSelector(this.types.require(type), selector, options.routing);
    if (target !== undefined) this.check(`${operation} of ${type}`, type, target);
  }

  private check(operation: string, type: string, target: number): void {
    if (target !== this.partition) throw new NotCollocatedError(operation, this.partition, target, { type });
  }
}
