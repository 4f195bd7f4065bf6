import { InvalidArgumentError, ProtocolError } from '../errors';
import type { Space } from '../client/Space';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { ChangeOp } from '../space/ChangeSet';
import type { Entry, MutationOp } from '../space/Mutation';
import type { ChangeOptions, WriteOptions } from '../space/Operation';
import type { Selector } from '../space/Selector';
import type { SpaceEvent } from '../space/SubscriptionHub';
import { decodeEntry, encodeEntry } from './entryCodec';
import { ANY_PARTITION, type EventFrame, type RequestFrame } from './protocol';
import { describeSpace } from './SpaceDescription';
import { fromWireJson, toWireJson } from './wireJson';

/** What executing one request gives back: entries (Avro) and / or a wire-JSON result. @internal */
export interface HandlerResult {
  readonly entries: readonly Buffer[];
  readonly result: Buffer;
}

/** The connection-level services a request may use (subscriptions outlive their request). @internal */
export interface RequestScope {
  readonly signal: AbortSignal;
  /** Milliseconds since the request was received. */
  readonly receivedAt: number;
  pushEvent(event: EventFrame): void;
  addSubscription(id: number, stop: () => void): void;
  removeSubscription(id: number): void;
}

/** Arguments of each op, as the client sends them in `args`. @internal */
export interface OpArgs {
  readonly selector?: Selector;
  readonly options?: Record<string, unknown>;
  readonly changes?: readonly ChangeOp[];
  readonly id?: string;
  readonly lease?: number;
  readonly ops?: readonly MutationOp[];
  readonly subscription?: number;
}

const NONE: HandlerResult = { entries: [], result: Buffer.alloc(0) };

/**
 * Runs requests against a Space: decodes arguments, calls the operation, encodes the answer.
 * Today the Space routes by itself (the grid's PartitionedSpace); the request's partition is only
 * checked to be in range. When processing units serve single partitions, this is where a request
 * for a partition not served here is refused with a retriable error so the client refreshes its map.
 * @internal
 */
export class RequestHandler {
  constructor(
    private readonly space: Space,
    private readonly types: TypeRegistry,
    private readonly partitionMap: () => readonly string[] | undefined,
  ) {}

  async handle(request: RequestFrame, scope: RequestScope): Promise<HandlerResult> {
    if (request.partition < ANY_PARTITION || request.partition >= this.space.partitions) {
      throw new InvalidArgumentError(`partition ${request.partition} is out of range`, {
        space: this.space.name,
      });
    }
    if (request.op === 'PING') return NONE;
    if (request.op === 'DESCRIBE') {
      const map = this.partitionMap();
      return json(describeSpace(this.space.name, this.space.partitions, this.types, map));
    }
    const args = (fromWireJson(request.args) ?? {}) as OpArgs;
    const type = request.type;
    const options = args.options ?? {};
    switch (request.op) {
      case 'WRITE': {
        if (request.entry === null) throw new ProtocolError('WRITE without an entry');
        const entry = decodeEntry(this.types.require(type), request.entry);
        return json(await this.space.write(type, entry, options as WriteOptions));
      }
      case 'READ':
      case 'TAKE': {
        const timeout = waitBudget(options.timeout, request.deadline, scope.receivedAt);
        const run = request.op === 'READ' ? this.space.read : this.space.take;
        const found = await run.call(this.space, type, selectorOf(args), {
          ...options,
          timeout,
          signal: scope.signal,
        });
        return this.entries(type, found === null ? [] : [found]);
      }
      case 'READ_MULTIPLE':
        return this.entries(type, await this.space.readMultiple(type, selectorOf(args), options));
      case 'TAKE_MULTIPLE':
        return this.entries(type, await this.space.takeMultiple(type, selectorOf(args), options));
      case 'COUNT':
        return json(await this.space.count(type, selectorOf(args), options));
      case 'CLEAR':
        return json(await this.space.clear(type, selectorOf(args), options));
      case 'CHANGE':
        return json(
          await this.space.change(type, selectorOf(args), args.changes ?? [], options as ChangeOptions),
        );
      case 'RENEW':
        return json(await this.space.renew(type, String(args.id), Number(args.lease), options));
      case 'SUBSCRIBE':
        return this.subscribe(request, args, scope);
      case 'UNSUBSCRIBE':
        scope.removeSubscription(Number(args.subscription));
        return NONE;
      default:
        throw new ProtocolError(`unknown op '${String(request.op)}'`);
    }
  }

  private async subscribe(request: RequestFrame, args: OpArgs, scope: RequestScope): Promise<HandlerResult> {
    const entryType = this.types.require(request.type);
    const listener = (event: SpaceEvent): void =>
      scope.pushEvent({
        subscription: request.id,
        op: event.op,
        type: event.type,
        id: event.id,
        version: event.version,
        leaseExpiresAt: event.leaseExpiresAt,
        entry: encodeEntry(entryType, event.entry),
      });
    const stop = await this.space.subscribe(
      request.type,
      selectorOf(args),
      listener,
      args.ops ? { ops: args.ops } : undefined,
    );
    scope.addSubscription(request.id, stop);
    return NONE;
  }

  private entries(typeName: string, found: readonly Entry[]): HandlerResult {
    const type = this.types.require(typeName);
    return { entries: found.map((entry) => encodeEntry(type, entry)), result: NONE.result };
  }
}

function json(value: unknown): HandlerResult {
  return { entries: [], result: toWireJson(value) };
}

function selectorOf(args: OpArgs): Selector {
  if (args.selector === undefined) throw new ProtocolError('request without a selector');
  return args.selector;
}

/** A blocking wait never outlasts the request's deadline (both relative to receipt, not to clocks). */
function waitBudget(timeout: unknown, deadline: number, receivedAt: number): number {
  const asked = typeof timeout === 'number' ? timeout : 0;
  if (deadline <= 0) return asked;
  return Math.max(0, Math.min(asked, deadline - (performance.now() - receivedAt)));
}
