import {
  AuthenticationError,
  InvalidArgumentError,
  ProtocolError,
  ResultTooLargeError,
  TaskFailedError,
} from '../errors';
import { DEFAULT_TASK_TIMEOUT_MS } from '../api/Task';
import type { Space } from '../api/Space';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { Entry } from '../schema/Entry';
import type { ChangeOptions, WriteOptions } from '../space/Operation';
import type { Selector } from '../space/Selector';
import type { SpaceEngine } from '../space/SpaceEngine';
import type { SpaceEvent } from '../space/SubscriptionHub';
import { encodeEntry } from './entryCodec';
import { PartitionTarget, type OpTarget } from './PartitionTarget';
import { ANY_PARTITION, type EventFrame, type RequestFrame } from './protocol';
import { describeSpace } from './SpaceDescription';
import { decodeArgs, decodeWireEntry, type OpArgs } from './requestArgs';
import { toWireJson } from './wireJson';

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

/** Bounds of one answer of readMultiple / takeMultiple. @internal */
export interface ResultLimits {
  readonly maxResultEntries: number;
  readonly maxResultBytes: number;
}

/** The serving engine of partition k here; throws NotPrimaryError when k is not primary here. */
export type PartitionEngines = (partition: number) => SpaceEngine | Promise<SpaceEngine>;

const NONE: HandlerResult = { entries: [], result: Buffer.alloc(0) };

/** Ops that run on a partition's data (the others: DESCRIBE, PING, UNSUBSCRIBE). */
const DATA_OPS: ReadonlySet<string> = new Set([
  'WRITE',
  'READ',
  'TAKE',
  'READ_MULTIPLE',
  'TAKE_MULTIPLE',
  'COUNT',
  'CLEAR',
  'CHANGE',
  'RENEW',
  'SUBSCRIBE',
]);

/**
 * Runs requests against a Space: decodes arguments, calls the operation, encodes the answer.
 * A request for ANY_PARTITION runs on the served Space, which routes by itself (a grid's
 * PartitionedSpace). With `partitions` (a processing unit serving some partitions as primary), a
 * request naming partition k runs on k's engine only; `partitions(k)` refuses with the retriable
 * NotPrimaryError when k is not primary here, before anything runs, so the client refreshes its map
 * and retries, even a write. Without it, a request naming k runs on the served Space too.
 * @internal
 */
export class RequestHandler {
  constructor(
    private readonly space: Space,
    private readonly types: TypeRegistry,
    private readonly partitionMap: () => readonly string[] | undefined,
    private readonly limits: ResultLimits,
    private readonly partitions?: PartitionEngines,
    private readonly unitStatus?: () => Readonly<Record<string, unknown>>,
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
      return json(
        describeSpace(this.space.name, this.space.partitions, this.types, map, this.unitStatus?.()),
      );
    }
    const args = decodeArgs(request.args);
    const type = request.type;
    const options = args.options ?? {};
    const target: OpTarget = DATA_OPS.has(request.op) ? await this.targetOf(request.partition) : this.space;
    switch (request.op) {
      case 'WRITE': {
        if (request.entry === null) throw new ProtocolError('WRITE without an entry');
        const entry = decodeWireEntry(this.types.require(type), request.entry);
        return json(await target.write(type, entry, options as WriteOptions));
      }
      case 'READ':
      case 'TAKE': {
        const timeout = waitBudget(options.timeout, request.deadline, scope.receivedAt);
        const run = request.op === 'READ' ? target.read : target.take;
        const found = await run.call(target, type, selectorOf(args), {
          ...options,
          timeout,
          signal: scope.signal,
        });
        return this.entries(type, found === null ? [] : [found]);
      }
      case 'READ_MULTIPLE': {
        // One more than the bound is asked for, so an answer over it is seen without building it whole.
        const found = await target.readMultiple(type, selectorOf(args), this.bounded(options));
        return this.boundedEntries(type, found);
      }
      case 'TAKE_MULTIPLE':
        return this.takeMultiple(target, type, selectorOf(args), options);
      case 'COUNT':
        return json(await target.count(type, selectorOf(args), options));
      case 'CLEAR':
        return json(await target.clear(type, selectorOf(args), options));
      case 'CHANGE':
        return json(
          await target.change(type, selectorOf(args), args.changes ?? [], options as ChangeOptions),
        );
      case 'RENEW':
        if (args.id === undefined || args.lease === undefined) {
          throw new InvalidArgumentError('RENEW needs args.id and args.lease');
        }
        return json(await target.renew(type, args.id, args.lease, options));
      case 'SUBSCRIBE':
        return this.subscribe(target, request, args, scope);
      case 'EXECUTE':
        return this.execute(request, args, scope);
      case 'AUTH':
        // A server with security runs AUTH before the handler (ConnectionGuard); this one has none.
        throw new AuthenticationError('this server does not authenticate (no security configured)');
      case 'UNSUBSCRIBE':
        if (args.subscription === undefined) throw new ProtocolError('UNSUBSCRIBE without a subscription');
        scope.removeSubscription(args.subscription);
        return NONE;
      default:
        throw new ProtocolError(`unknown op '${String(request.op)}'`);
    }
  }

  /**
   * Runs a task at the partition the request names, through the served Space (whose task registry
   * reaches the partition's engine, or refuses with NotPrimaryError before the task starts). The
   * task's time is its `timeout`, never past the request's deadline; its result is bounded by
   * maxResultBytes (the task has run by then: a too large answer does not undo it).
   */
  private async execute(request: RequestFrame, args: OpArgs, scope: RequestScope): Promise<HandlerResult> {
    if (args.task === undefined) throw new ProtocolError('EXECUTE without a task');
    if (request.partition === ANY_PARTITION) throw new ProtocolError('EXECUTE names one partition');
    const asked = args.options?.timeout;
    const timeout = Math.max(
      1,
      waitBudget(
        typeof asked === 'number' ? asked : DEFAULT_TASK_TIMEOUT_MS,
        request.deadline,
        scope.receivedAt,
      ),
    );
    const result = await this.space.execute(args.task, args.input, {
      partition: request.partition,
      timeout,
      signal: scope.signal,
    });
    let bytes: Buffer;
    try {
      bytes = toWireJson(result);
    } catch (error) {
      // A result wire JSON cannot carry (a cycle): the task's fault, said as its failure.
      throw new TaskFailedError(args.task, error, { partition: request.partition });
    }
    if (bytes.length > this.limits.maxResultBytes) {
      throw new ResultTooLargeError('maxResultBytes', this.limits.maxResultBytes, {
        partition: request.partition,
      });
    }
    return { entries: [], result: bytes };
  }

  /** Where a data op runs: the named partition's engine when this server serves per partition. */
  private async targetOf(partition: number): Promise<OpTarget> {
    if (this.partitions === undefined || partition === ANY_PARTITION) return this.space;
    const engine = await this.partitions(partition);
    return new PartitionTarget(engine, partition, this.space.partitions, (name) => this.types.require(name));
  }

  private async subscribe(
    target: OpTarget,
    request: RequestFrame,
    args: OpArgs,
    scope: RequestScope,
  ): Promise<HandlerResult> {
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
    const stop = await target.subscribe(
      request.type,
      selectorOf(args),
      listener,
      args.ops ? { ops: args.ops } : undefined,
    );
    scope.addSubscription(request.id, stop);
    return NONE;
  }

  /**
   * takeMultiple whose answer is checked BEFORE anything is taken (a refused take loses nothing): the
   * same selection is read first, at most one over the entry bound, and measured; only if it fits is
   * it taken, with the limit clamped to the bound. Entries written between the two steps may make
   * the take's answer differ from the read; it never holds more than maxResultEntries entries.
   */
  private async takeMultiple(
    target: OpTarget,
    type: string,
    selector: Selector,
    options: Record<string, unknown>,
  ): Promise<HandlerResult> {
    this.boundedEntries(type, await target.readMultiple(type, selector, this.bounded(options)));
    const asked = typeof options.limit === 'number' ? options.limit : Infinity;
    const limit = Math.min(asked, this.limits.maxResultEntries);
    return this.entries(type, await target.takeMultiple(type, selector, { ...options, limit }));
  }

  /** The options with `limit` lowered to one over the entry bound. */
  private bounded(options: Record<string, unknown>): Record<string, unknown> & { limit: number } {
    const asked = typeof options.limit === 'number' ? options.limit : Infinity;
    return { ...options, limit: Math.min(asked, this.limits.maxResultEntries + 1) };
  }

  /** Encodes entries, refusing an answer over maxResultEntries or maxResultBytes. */
  private boundedEntries(typeName: string, found: readonly Entry[]): HandlerResult {
    const { maxResultEntries, maxResultBytes } = this.limits;
    if (found.length > maxResultEntries) {
      throw new ResultTooLargeError('maxResultEntries', maxResultEntries, { type: typeName });
    }
    const type = this.types.require(typeName);
    const entries: Buffer[] = [];
    let bytes = 0;
    for (const entry of found) {
      const encoded = encodeEntry(type, entry);
      bytes += encoded.length;
      if (bytes > maxResultBytes) {
        throw new ResultTooLargeError('maxResultBytes', maxResultBytes, { type: typeName });
      }
      entries.push(encoded);
    }
    return { entries, result: NONE.result };
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
