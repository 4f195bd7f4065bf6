import { InvalidArgumentError } from '../errors';
import { partitionOf } from '../api/partitionOf';
import type { RoutingOptions, SpaceWriteResult } from '../api/Space';
import type { EntryType } from '../schema/EntryType';
import type { ChangeOp } from '../space/ChangeSet';
import type { MutationOp } from '../space/Mutation';
import type { Entry } from '../schema/Entry';
import type { ChangeOptions, ChangeResult, WriteOptions } from '../space/Operation';
import type { Selector } from '../space/Selector';
import type { SpaceEngine } from '../space/SpaceEngine';
import type { BlockingOptions } from '../space/SpaceEngineOptions';
import type { SpaceListener } from '../space/SubscriptionHub';

/**
 * The operations a request runs: on the served Space, or on one partition's engine. Untyped (entries
 * are `Entry`): a served Space of any entry types passes as one. @internal
 */
export type OpTarget = Pick<
  PartitionTarget,
  | 'write'
  | 'read'
  | 'take'
  | 'readMultiple'
  | 'takeMultiple'
  | 'count'
  | 'clear'
  | 'change'
  | 'renew'
  | 'subscribe'
>;

/**
 * One partition's engine behind the Space operations a request names: the request said which
 * partition it is for (a routed operation, or one leg of a client's fan-out), so the operation runs
 * there only, never on the other partitions this server may also serve.
 * @internal
 */
export class PartitionTarget {
  constructor(
    private readonly engine: SpaceEngine,
    private readonly partition: number,
    private readonly partitions: number,
    private readonly typeOf: (name: string) => EntryType,
  ) {}

  async write(
    type: string,
    entry: Readonly<Record<string, unknown>>,
    options?: WriteOptions,
  ): Promise<SpaceWriteResult> {
    // The client routed the entry; a write landing on another partition than its routing value's
    // would never be found by routed reads, so a disagreement is refused, not stored.
    const entryType = this.typeOf(type);
    const routing = entryType.getter(entryType.routingField)(entry);
    if (routing !== undefined && routing !== null) {
      const expected = partitionOf(routing, this.partitions);
      if (expected !== this.partition) {
        throw new InvalidArgumentError(
          `entry routed to partition ${this.partition} belongs to partition ${expected}`,
          { type, partition: this.partition },
        );
      }
    }
    const { routing: _r, ...writeOptions } = (options ?? {}) as WriteOptions & { routing?: unknown };
    const result = await this.engine.write(type, entry, writeOptions);
    return { ...result, partition: this.partition };
  }

  read(type: string, selector: Selector, options?: BlockingOptions): Promise<Entry | null> {
    // Without a wait, no options: the engine answers reads by id on its fast path.
    return options?.timeout ? this.engine.read(type, selector, options) : this.engine.read(type, selector);
  }

  take(type: string, selector: Selector, options?: BlockingOptions): Promise<Entry | null> {
    return this.engine.take(type, selector, options);
  }

  readMultiple(type: string, selector?: Selector, options?: { readonly limit?: number }): Promise<Entry[]> {
    return this.engine.readMultiple(type, selector, options?.limit);
  }

  takeMultiple(type: string, selector?: Selector, options?: { readonly limit?: number }): Promise<Entry[]> {
    return this.engine.takeMultiple(type, selector, options?.limit);
  }

  // Routing options are accepted as the served Space takes them; the request already named the partition.
  count(type: string, selector?: Selector, _options?: RoutingOptions): Promise<number> {
    return this.engine.count(type, selector);
  }

  clear(type: string, selector?: Selector, _options?: RoutingOptions): Promise<number> {
    return this.engine.clear(type, selector);
  }

  change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options: ChangeOptions & { readonly routing?: unknown } = {},
  ): Promise<ChangeResult> {
    const { routing: _r, ...changeOptions } = options;
    return this.engine.change(type, selector, changes, changeOptions);
  }

  async renew(type: string, id: string, lease: number, _options?: RoutingOptions): Promise<SpaceWriteResult> {
    const result = await this.engine.renew(type, id, lease);
    return { ...result, partition: this.partition };
  }

  subscribe(
    type: string,
    selector: Selector,
    listener: SpaceListener,
    options?: { readonly ops?: readonly MutationOp[] },
  ): Promise<() => void> {
    try {
      return Promise.resolve(this.engine.subscribe(type, selector, listener, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
