import { InvalidArgumentError } from '../errors';
import type { ChangeOp } from '../space/ChangeSet';
import type { Entry } from '../schema/Entry';
import type { ChangeOptions, ChangeResult } from '../space/Operation';
import { queryCompiler } from '../space/QuerySelection';
import type { Selector } from '../space/Selector';
import { decodeEntry } from '../net/entryCodec';
import { ANY_PARTITION, type ResponseFrame, type WireOp } from '../net/protocol';
import { fromWireJson } from '../net/wireJson';
import { PartitionFanOut, type FanOutContext } from './PartitionFanOut';
import type { PartitionMap } from './PartitionMap';
import { SeveralEndpointsSignal, type Safety } from './RemoteCall';
import type { RemoteCallOptions } from './RemoteSpaceConfig';
import type { MultipleOptions, ReadOptions, RoutingOptions } from '../api/Space';

/** What the operations with a selector need from the client. @internal */
export interface SelectorContext extends Pick<
  FanOutContext,
  'types' | 'routing' | 'requestTimeout' | 'send'
> {
  /** The current partition map: whether one server serves every partition. */
  readonly map: () => PartitionMap;
}

/**
 * The remote client's operations that take a selector (blocking read and take, readMultiple,
 * takeMultiple, count, clear, change). Each goes to the partition its selector or routing value
 * names; without one, to the one server of every partition (ANY_PARTITION), which runs it on all of
 * them, or, when the partitions have several primaries, fanned out to each (`PartitionFanOut`).
 * @internal
 */
export class SelectorOperations {
  private readonly fanOut: PartitionFanOut;

  constructor(private readonly ctx: SelectorContext) {
    this.fanOut = new PartitionFanOut({
      types: ctx.types,
      routing: ctx.routing,
      queries: queryCompiler(),
      requestTimeout: ctx.requestTimeout,
      send: ctx.send,
      decode: (response, type) => this.entries(response, type),
    });
  }

  read(type: string, selector: Selector, options: ReadOptions & RemoteCallOptions): Promise<Entry | null> {
    return this.blocking('READ', type, selector, options);
  }

  take(type: string, selector: Selector, options: ReadOptions & RemoteCallOptions): Promise<Entry | null> {
    return this.blocking('TAKE', type, selector, options);
  }

  readMultiple(
    type: string,
    selector: Selector,
    options: MultipleOptions & RemoteCallOptions,
  ): Promise<Entry[]> {
    const entries = (response: ResponseFrame): Entry[] => this.entries(response, type);
    return this.requesting('READ_MULTIPLE', 'idempotent', type, selector, options, entries, () =>
      this.fanOut.readMultiple(type, selector, options),
    );
  }

  takeMultiple(
    type: string,
    selector: Selector,
    options: MultipleOptions & RemoteCallOptions,
  ): Promise<Entry[]> {
    const entries = (response: ResponseFrame): Entry[] => this.entries(response, type);
    return this.requesting('TAKE_MULTIPLE', 'once', type, selector, options, entries, () =>
      this.fanOut.takeMultiple(type, selector, options),
    );
  }

  count(type: string, selector: Selector, options: RoutingOptions & RemoteCallOptions): Promise<number> {
    return this.requesting('COUNT', 'idempotent', type, selector, options, resultOf<number>, () =>
      this.fanOut.count(type, selector, options),
    );
  }

  clear(type: string, selector: Selector, options: RoutingOptions & RemoteCallOptions): Promise<number> {
    return this.requesting('CLEAR', 'once', type, selector, options, resultOf<number>, () =>
      this.fanOut.clear(type, selector, options),
    );
  }

  change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options: ChangeOptions & RoutingOptions & RemoteCallOptions,
  ): Promise<ChangeResult> {
    return this.requesting(
      'CHANGE',
      'once',
      type,
      selector,
      options,
      resultOf<ChangeResult>,
      () => this.fanOut.change(type, selector, changes, options),
      { changes },
    );
  }

  private async blocking(
    op: 'READ' | 'TAKE',
    type: string,
    selector: Selector,
    options: ReadOptions & RemoteCallOptions,
  ): Promise<Entry | null> {
    const wait = options.timeout ?? 0;
    if (typeof wait !== 'number' || Number.isNaN(wait) || wait < 0) {
      throw new InvalidArgumentError(`timeout must be a non-negative number, got ${String(wait)}`, { type });
    }
    return this.selecting(
      type,
      selector,
      options,
      async (partition) => {
        const response = await this.ctx.send({
          op,
          type,
          partition,
          args: { selector, options: routingOf(options) },
          safety: op === 'READ' ? 'idempotent' : 'once',
          options,
          wait,
        });
        return this.entries(response, type)[0] ?? null;
      },
      () => this.fanOut.blocking(op, type, selector, options, wait),
    );
  }

  /**
   * Runs an operation given a selector: at its partition when it names one; else at the one server
   * of every partition (ANY_PARTITION), or fanned out to every partition's primary when there are
   * several (also when the map becomes so while the call retries).
   */
  private async selecting<T>(
    type: string,
    selector: Selector,
    options: RoutingOptions,
    at: (partition: number) => Promise<T>,
    fanOut: () => Promise<T>,
  ): Promise<T> {
    const target = this.ctx.routing.forSelector(this.ctx.types.require(type), selector, options.routing);
    if (target !== undefined) return at(target);
    if (this.ctx.map().single === undefined) return fanOut();
    try {
      return await at(ANY_PARTITION);
    } catch (error) {
      if (error instanceof SeveralEndpointsSignal) return fanOut();
      throw error;
    }
  }

  /** An operation sent as one request with its selector and its own options (`extra` joins its args). */
  private requesting<T>(
    op: WireOp,
    safety: Safety,
    type: string,
    selector: Selector,
    options: RoutingOptions & RemoteCallOptions,
    answer: (response: ResponseFrame) => T,
    fanOut: () => Promise<T>,
    extra: Record<string, unknown> = {},
  ): Promise<T> {
    const { signal: _s, requestTimeout: _t, ...sent } = options;
    const args = { selector, options: sent, ...extra };
    return this.selecting(
      type,
      selector,
      options,
      async (partition) => answer(await this.ctx.send({ op, type, partition, args, safety, options })),
      fanOut,
    );
  }

  private entries(response: ResponseFrame, typeName: string): Entry[] {
    const type = this.ctx.types.require(typeName);
    return response.entries.map((bytes) => decodeEntry(type, bytes));
  }
}

function resultOf<T>(response: ResponseFrame): T {
  return fromWireJson(response.result) as T;
}

/** The routing value of an operation's options alone, for the calls that send nothing else of them. @internal */
export function routingOf(options: RoutingOptions): RoutingOptions {
  return options.routing === undefined ? {} : { routing: options.routing };
}
