import type { TypeRegistry } from '../schema/TypeRegistry';
import type { ChangeOp } from '../space/ChangeSet';
import type { QueryCompiler } from '../space/ExecuteContext';
import type { Entry } from '../schema/Entry';
import type { ChangeOptions, ChangeResult } from '../space/Operation';
import type { Selector } from '../space/Selector';
import type { ResponseFrame, WireOp } from '../net/protocol';
import { fromWireJson } from '../net/wireJson';
import { blockingAcrossPartitions, firstInOrder } from '../api/blockingAcrossPartitions';
import { takenFromAll } from '../api/takenFromAll';
import {
  mergeChanges,
  mergeMatches,
  orderOf,
  picksWinners,
  sumCounts,
  type MatchOrder,
} from '../api/partitionMerge';
import type { Call, Safety } from './RemoteCall';
import type { RemoteCallOptions } from './RemoteSpaceConfig';
import type { MultipleOptions, ReadOptions, RoutingOptions } from '../api/Space';
import type { SpaceRouting } from '../api/SpaceRouting';

/** What the fan-out needs from the client. @internal */
export interface FanOutContext {
  readonly types: TypeRegistry;
  readonly routing: SpaceRouting;
  readonly queries: QueryCompiler;
  /** Default limit of a non-blocking operation, retries included, ms. */
  readonly requestTimeout: number;
  /** Sends one call to its partition's primary, with retries and map refreshes. */
  readonly send: (call: Call) => Promise<ResponseFrame>;
  readonly decode: (response: ResponseFrame, type: string) => Entry[];
}

/**
 * Operations without a routing value when the partitions have several primaries: one request per
 * partition, to its primary (each retried on its own, so one moved partition costs one retry), and
 * the answers merged on the client exactly as the in-process grid merges its partitions'
 * (`partitionMerge`, `blockingAcrossPartitions`). The requests of one operation share its deadline.
 * @internal
 */
export class PartitionFanOut {
  constructor(private readonly ctx: FanOutContext) {}

  async readMultiple(
    type: string,
    selector: Selector,
    options: MultipleOptions & RemoteCallOptions,
  ): Promise<Entry[]> {
    const limit = options.limit;
    const parts = await this.each('READ_MULTIPLE', 'idempotent', type, selector, options, {
      options: limit === undefined ? {} : { limit },
    });
    const entries = parts.flatMap((response) => this.ctx.decode(response, type));
    return mergeMatches(this.orderOf(type, selector), entries, limit);
  }

  async takeMultiple(
    type: string,
    selector: Selector,
    options: MultipleOptions & RemoteCallOptions,
  ): Promise<Entry[]> {
    // What any partition took is returned even when another fails: thrown away, it would be lost.
    if (!picksWinners(this.orderOf(type, selector), options.limit)) {
      const parts = this.sent('TAKE_MULTIPLE', 'once', type, selector, options, { options: {} });
      return takenFromAll(parts.map(async (response) => this.ctx.decode(await response, type)));
    }
    // A global ORDER BY / LIMIT: pick the winners by reading, then take exactly those by id.
    const entryType = this.ctx.types.require(type);
    const calls = this.shared(options);
    const winners = await this.readMultiple(type, selector, options);
    return takenFromAll(
      winners.map(async (entry) => {
        const response = await this.ctx.send({
          op: 'TAKE',
          type,
          partition: this.ctx.routing.forWrite(entryType, entry).partition,
          args: { selector: { id: entryType.idOf(entry) }, options: {} },
          safety: 'once',
          options: calls(),
        });
        return this.ctx.decode(response, type).slice(0, 1);
      }),
    );
  }

  async count(type: string, selector: Selector, options: RemoteCallOptions): Promise<number> {
    return this.sum('COUNT', 'idempotent', type, selector, options);
  }

  async clear(type: string, selector: Selector, options: RemoteCallOptions): Promise<number> {
    return this.sum('CLEAR', 'once', type, selector, options);
  }

  async change(
    type: string,
    selector: Selector,
    changes: readonly ChangeOp[],
    options: ChangeOptions & RoutingOptions & RemoteCallOptions,
  ): Promise<ChangeResult> {
    const { signal: _s, requestTimeout: _t, routing: _r, ...changeOptions } = options;
    const parts = await this.each('CHANGE', 'once', type, selector, options, {
      options: changeOptions,
      changes,
    });
    return mergeChanges(parts.map((response) => fromWireJson(response.result) as ChangeResult));
  }

  /**
   * A blocking read or take over every partition: a pass with timeout 0 on each (all at once for a
   * read; in partition order for a take, stopping at the first, so it never takes twice), then a
   * wait with reads on every partition until something matches, and another pass.
   */
  blocking(
    op: 'READ' | 'TAKE',
    type: string,
    selector: Selector,
    options: ReadOptions & RemoteCallOptions,
    timeout: number,
  ): Promise<Entry | null> {
    const all = this.ctx.routing.all();
    const once = (wireOp: 'READ' | 'TAKE', k: number, wait: number, signal?: AbortSignal) =>
      this.ctx
        .send({
          op: wireOp,
          type,
          partition: k,
          args: { selector, options: {} },
          safety: wireOp === 'READ' ? 'idempotent' : 'once',
          options: {
            ...(signal ? { signal } : {}),
            ...(options.requestTimeout !== undefined ? { requestTimeout: options.requestTimeout } : {}),
          },
          wait,
        })
        .then((response) => this.ctx.decode(response, type)[0] ?? null);
    const tryAll =
      op === 'READ'
        ? async () =>
            (await Promise.all(all.map((k) => once('READ', k, 0, options.signal)))).find((e) => e) ?? null
        : () => firstInOrder(all, (k) => once('TAKE', k, 0, options.signal));
    return blockingAcrossPartitions({
      partitions: all,
      timeout,
      type,
      ...(options.signal ? { signal: options.signal } : {}),
      tryAll,
      waitOn: (k, remaining, signal) => once('READ', k, remaining, signal),
    });
  }

  private orderOf(type: string, selector: Selector): MatchOrder {
    return orderOf(this.ctx.queries, this.ctx.types.require(type), selector);
  }

  private async sum(
    op: WireOp,
    safety: Safety,
    type: string,
    selector: Selector,
    options: RemoteCallOptions,
  ): Promise<number> {
    const parts = await this.each(op, safety, type, selector, options, { options: {} });
    return sumCounts(parts.map((response) => fromWireJson(response.result) as number));
  }

  /** One request per partition, to its primary, all within the operation's one deadline. */
  private each(
    op: WireOp,
    safety: Safety,
    type: string,
    selector: Selector,
    options: RemoteCallOptions,
    args: Record<string, unknown>,
  ): Promise<ResponseFrame[]> {
    return Promise.all(this.sent(op, safety, type, selector, options, args));
  }

  /** The requests of `each`, one per partition, not yet joined. */
  private sent(
    op: WireOp,
    safety: Safety,
    type: string,
    selector: Selector,
    options: RemoteCallOptions,
    args: Record<string, unknown>,
  ): Promise<ResponseFrame>[] {
    const calls = this.shared(options);
    return this.ctx.routing
      .all()
      .map((partition) =>
        this.ctx.send({ op, type, partition, args: { selector, ...args }, safety, options: calls() }),
      );
  }

  /** Call options that keep every request of an operation within its deadline. */
  private shared(options: RemoteCallOptions): () => RemoteCallOptions {
    const deadline = Date.now() + (options.requestTimeout ?? this.ctx.requestTimeout);
    return () => ({
      ...(options.signal ? { signal: options.signal } : {}),
      requestTimeout: Math.max(1, deadline - Date.now()),
    });
  }
}
