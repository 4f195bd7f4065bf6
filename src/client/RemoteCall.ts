import {
  InvalidArgumentError,
  isRetriable,
  ConnectionLostError,
  PartitionNotReadyError,
  SpaceNotFoundError,
} from '../errors';
import { ANY_PARTITION, type ResponseFrame, type WireOp } from '../net/protocol';
import type { SpaceDescription } from '../net/SpaceDescription';
import { fromWireJson, toWireJson } from '../net/wireJson';
import type { ConnectionPool } from './ConnectionPool';
import type { PartitionMap } from './PartitionMap';
import type { RemoteCallOptions, ResolvedConnectOptions } from './RemoteSpaceConfig';
import { retry } from './Retrier';

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
  /** Told the request id of each attempt (subscriptions key their events on it). */
  readonly onId?: (id: number) => void;
}

/** Where a call goes: the client's settings, its connections and its current partition map. @internal */
export interface CallTarget {
  readonly config: ResolvedConnectOptions;
  readonly pool: ConnectionPool;
  readonly map: PartitionMap;
  readonly space: string;
}

const EMPTY = Buffer.alloc(0);

/** Asks the bootstrap servers, in turn, for the space's description. @internal */
export async function describeSpace(
  config: ResolvedConnectOptions,
  pool: ConnectionPool,
): Promise<{ description: SpaceDescription; endpoint: string }> {
  const deadline = Date.now() + config.requestTimeout;
  const run = { deadline, retriable: isRetriable };
  return retry(config.retry, run, async (n) => {
    const endpoint = config.bootstrap[(n - 1) % config.bootstrap.length]!;
    const connection = await pool.get(endpoint);
    const response = await connection.request(
      { partition: ANY_PARTITION, op: 'DESCRIBE', type: '', args: EMPTY, entry: null, deadline: 0 },
      { timeoutMs: Math.max(1, deadline - Date.now()) },
    );
    const description = fromWireJson(response.result) as SpaceDescription;
    if (description.name !== config.space) {
      throw new SpaceNotFoundError(`${endpoint} serves space '${description.name}', not '${config.space}'`, {
        space: config.space,
      });
    }
    return { description, endpoint };
  });
}

/** Sends one call to its partition's endpoint, retrying what may be retried within the deadline. @internal */
export function sendCall(call: Call, to: CallTarget): Promise<ResponseFrame> {
  const started = Date.now();
  const blocking = call.wait !== undefined;
  const waitEnd = blocking ? started + call.wait! : started;
  const budget =
    call.options.requestTimeout ?? (blocking ? to.config.blockingMargin : to.config.requestTimeout);
  const deadline = waitEnd + budget;
  const run = {
    deadline,
    ...(call.options.signal ? { signal: call.options.signal } : {}),
    retriable: call.safety === 'idempotent' ? isRetriable : surelyNotApplied,
  };
  return retry(to.config.retry, run, async () => {
    const endpoint =
      call.partition === ANY_PARTITION ? broadcastEndpoint(to) : to.map.endpointOf(call.partition);
    const connection = await to.pool.get(endpoint);
    const now = Date.now();
    const args = blocking
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
      { timeoutMs: remaining, ...(call.options.signal ? { signal: call.options.signal } : {}) },
      call.onId,
    );
  });
}

/** The one server that serves every partition, for operations without a routing value. @internal */
export function broadcastEndpoint(to: CallTarget): string {
  const endpoint = to.map.single;
  if (endpoint === undefined) {
    // Comes with the cluster: fan out per endpoint and merge on the client.
    throw new InvalidArgumentError(
      'operations over every partition need one server serving them all (for now)',
      {
        space: to.space,
      },
    );
  }
  return endpoint;
}

/** A write or take may be retried only when it surely did not run on the server. */
function surelyNotApplied(error: unknown): boolean {
  if (error instanceof ConnectionLostError) return !error.requestSent;
  return error instanceof PartitionNotReadyError;
}
