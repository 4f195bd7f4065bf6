import {
  isRetriable,
  ConnectionLostError,
  RequestTimeoutError,
  NotPrimaryError,
  PartitionNotReadyError,
  SpaceClosedError,
  SpaceNotFoundError,
} from '../errors';
import { ANY_PARTITION, type ResponseFrame, type WireOp } from '../net/protocol';
import type { SpaceDescription } from '../net/SpaceDescription';
import { fromWireJson, toWireJson } from '../net/wireJson';
import type { ConnectionPool } from './ConnectionPool';
import type { PartitionMap } from './PartitionMap';
import type { PartitionMapSource } from './PartitionMapSource';
import type { RemoteCallOptions, ResolvedConnectOptions } from './RemoteSpaceConfig';
import { clientBackoff } from './RetryPolicy';
import { retry } from '../retry/Retrier';

/** Whether a failed attempt of an operation may be tried again (STYLE rule 4). */
export type Safety = 'idempotent' | 'once';

/** One remote call, before retries. @internal */
export interface Call {
  readonly op: WireOp;
  readonly type: string;
  readonly partition: number;
  readonly args?: Record<string, unknown>;
  readonly entry?: Buffer;
  readonly safety: Safety;
  readonly options: RemoteCallOptions;
  /** Set for blocking read / take: how long the server may wait for a match. */
  readonly wait?: number;
  /** Overrides what `safety` lets the retrier retry (tasks: see RemoteSpace.execute). */
  readonly retriable?: (error: unknown) => boolean;
  /** Told the request id and endpoint of each attempt (subscriptions key their events on them). */
  readonly onId?: (id: number, endpoint: string) => void;
}

/** Where a call goes: the client's settings, its connections and its partition map. @internal */
export interface CallTarget {
  readonly config: ResolvedConnectOptions;
  readonly pool: ConnectionPool;
  readonly maps: PartitionMapSource;
  readonly space: string;
}

/**
 * Thrown (never retried) by a call for ANY_PARTITION when the partition map no longer has one
 * server for every partition: the caller fans the operation out per partition instead.
 * @internal
 */
export class SeveralEndpointsSignal extends Error {
  constructor() {
    super('the partitions are served by several endpoints: fan out');
    this.name = 'SeveralEndpointsSignal';
  }
}

const EMPTY = Buffer.alloc(0);
/** The ops that remove entries and return them: an answer to one of them must never be dropped. */
const REMOVES_ENTRIES: ReadonlySet<WireOp> = new Set<WireOp>(['TAKE', 'TAKE_MULTIPLE']);

/**
 * Asks one endpoint for the space's description (DESCRIBE) and checks it is the wanted space.
 * Needs only the space and the connect timeout of a client's settings, so `spacelog cluster status`
 * asks units the same way. @internal
 */
export async function describeAt(
  config: Pick<ResolvedConnectOptions, 'space' | 'connectTimeout'>,
  pool: ConnectionPool,
  endpoint: string,
  timeoutMs: number,
): Promise<SpaceDescription> {
  const connection = await pool.get(endpoint);
  const response = await connection.request(
    { partition: ANY_PARTITION, op: 'DESCRIBE', type: '', args: EMPTY, entry: null, deadline: 0 },
    // A DESCRIBE answers at once; a server that does not (a stopped process) must not eat the whole
    // budget while other endpoints could answer: one attempt gets at most the connect timeout.
    { timeoutMs: Math.max(1, Math.min(timeoutMs, config.connectTimeout)) },
  );
  const description = fromWireJson(response.result) as SpaceDescription;
  if (description.name !== config.space) {
    throw new SpaceNotFoundError(`${endpoint} serves space '${description.name}', not '${config.space}'`, {
      space: config.space,
    });
  }
  return description;
}

/** Asks the bootstrap servers, in turn, for the space's description. @internal */
export async function describeSpace(
  config: ResolvedConnectOptions,
  pool: ConnectionPool,
): Promise<{ description: SpaceDescription; endpoint: string }> {
  const deadline = Date.now() + config.requestTimeout;
  return retry(
    async (n) => {
      const endpoint = config.bootstrap[(n - 1) % config.bootstrap.length]!;
      const description = await describeAt(config, pool, endpoint, deadline - Date.now());
      return { description, endpoint };
    },
    { delay: clientBackoff(config.retry), deadline, retriable: isRetriable, exhausted: 'wrap' },
  );
}

/**
 * Sends one call to its partition's endpoint, retrying what may be retried within the deadline.
 * Each attempt reads the current map; a failure that says the map may be stale (not the primary,
 * not ready, closed, unreachable) asks for a refresh, which the next attempt waits for.
 * @internal
 */
export function sendCall(call: Call, to: CallTarget): Promise<ResponseFrame> {
  const started = Date.now();
  const blocking = call.wait !== undefined;
  const waitEnd = blocking ? started + call.wait! : started;
  const asked = call.options.requestTimeout ?? to.config.requestTimeout;
  // After its wait, a blocking call gets the budget of any call: a partition moving to another unit
  // (rebalance, promotion) must not fail a take whose own wait was short. And never less than the
  // blocking margin: the server ends the wait at `wait`, and its answer (null, or the entry a write
  // handed over once its TAKE is durable) must arrive before the client gives up on it.
  const budget = blocking ? Math.max(to.config.blockingMargin, asked) : asked;
  const deadline = waitEnd + budget;
  const retriable =
    call.retriable ??
    (call.safety === 'idempotent'
      ? isRetriable
      : (error: unknown) => surelyNotApplied(error, call.partition));
  return retry(
    async (n) => {
      if (n > 1) await to.maps.settled();
      const seen = to.maps.generation;
      const map = to.maps.map;
      const endpoint =
        call.partition === ANY_PARTITION ? broadcastEndpoint(map) : map.endpointOf(call.partition);
      try {
        return await sendOnce(call, to, endpoint, waitEnd, deadline);
      } catch (error) {
        if (mapMayBeStale(error)) {
          const silent = error instanceof RequestTimeoutError || error instanceof ConnectionLostError;
          to.maps.refresh(seen, silent ? endpoint : undefined).catch(() => undefined);
        }
        throw error;
      }
    },
    {
      delay: clientBackoff(to.config.retry),
      deadline,
      ...(call.options.signal ? { signal: call.options.signal } : {}),
      retriable: (error) => retriable(error),
      exhausted: 'wrap',
    },
  );
}

/** One attempt of a call at an endpoint; a blocking one waits only what is left of its wait. */
async function sendOnce(
  call: Call,
  to: CallTarget,
  endpoint: string,
  waitEnd: number,
  deadline: number,
): Promise<ResponseFrame> {
  const connection = await to.pool.get(endpoint);
  const now = Date.now();
  const args =
    call.wait !== undefined
      ? {
          ...call.args,
          options: { ...(call.args?.options as object), timeout: Math.max(0, waitEnd - now) },
        }
      : call.args;
  const remaining = Math.max(1, deadline - now);
  return connection.request(
    {
      partition: call.partition,
      op: call.op,
      type: call.type,
      args: toWireJson(args),
      entry: call.entry ?? null,
      deadline: Number.isFinite(remaining) ? Math.ceil(remaining) : 0,
    },
    {
      timeoutMs: remaining,
      ...(call.options.signal ? { signal: call.options.signal } : {}),
      // A take given up on may already have taken: its answer to the cancel is awaited, not dropped.
      ...(REMOVES_ENTRIES.has(call.op) ? { cancelGraceMs: to.config.cancelGrace } : {}),
    },
    call.onId && ((id: number) => call.onId!(id, endpoint)),
  );
}

/**
 * The one server that serves every partition, for an operation without a routing value; when the
 * partitions have several, SeveralEndpointsSignal tells the caller to fan out instead.
 * @internal
 */
export function broadcastEndpoint(map: PartitionMap): string {
  const endpoint = map.single;
  if (endpoint === undefined) throw new SeveralEndpointsSignal();
  return endpoint;
}

/**
 * A write or take may be retried only when it surely did not run on the server: its request never
 * left, or the one partition it names refused it up front (not its primary, not ready). A request for
 * ANY_PARTITION may have run on some partitions before another refused, so only the first holds.
 * @internal
 */
export function surelyNotApplied(error: unknown, partition: number): boolean {
  if (error instanceof ConnectionLostError) return !error.requestSent;
  if (partition === ANY_PARTITION) return false;
  return error instanceof NotPrimaryError || error instanceof PartitionNotReadyError;
}

/** Failures after which the partition map is worth asking again (a silent server may be a dead or stopped unit). */
function mapMayBeStale(error: unknown): boolean {
  return (
    error instanceof NotPrimaryError ||
    error instanceof RequestTimeoutError ||
    error instanceof PartitionNotReadyError ||
    error instanceof SpaceClosedError ||
    error instanceof ConnectionLostError
  );
}
