import { isOptionsObject, optionKeys, rejectNonObject, rejectUnknownKeys } from '../config/optionKeys';
import { InvalidArgumentError } from '../errors';
import type { EntryFor, EntryTypeName, UntypedEntries } from '../api/typedEntries';
import type { MutationOp } from '../space/Mutation';
import type { Entry } from '../schema/Entry';
import type { QueryParams } from '../space/Selector';
import type { NotifyHandlerError } from '../errors/events';
import { backoffMs } from '../retry/backoff';

/**
 * One mutation of a partition log, as a notify container delivers it. `id` is its log position,
 * stable across redeliveries: a handler de-duplicates by it (delivery is at least once). `E` is the
 * entry's type: `Entry` untyped, the map's type in a container typed by a space's maps (`Order`).
 */
export interface NotifyEvent<E = Entry> {
  /** `${partition}:${offset}`: the mutation's position in the space's log. */
  readonly id: string;
  readonly partition: number;
  /** The mutation's offset in its partition log. */
  readonly offset: number;
  readonly op: MutationOp;
  /** Entry type name. */
  readonly type: string;
  /** The entry's id. */
  readonly entryId: string;
  /** The entry's version after a WRITE / UPDATE; the version removed by a TAKE / EXPIRE. */
  readonly version: number;
  /** Lease expiry, epoch ms, or null for an entry that lives forever. */
  readonly leaseExpiresAt: number | null;
  /** When the primary built the mutation, epoch ms. */
  readonly timestamp: number;
  /** Who built it (the primary's identity). */
  readonly origin: string;
  /**
   * The entry's new full state for WRITE / UPDATE; null for TAKE / EXPIRE, whose log records are
   * tombstones that carry no state (keep what you need from the WRITE / UPDATE events).
   */
  readonly entry: E | null;
}

/** What a handler gets beside its events. */
export interface NotifyBatchContext {
  /** The container's name. */
  readonly container: string;
  readonly partition: number;
  /** 1 for the first call with these events, then 2, 3 ... while it is retried. */
  readonly attempt: number;
  /** Aborted when the container stops or the partition stops being primary here. */
  readonly signal: AbortSignal;
}

/**
 * Handles one batch of events (in log order, one partition); a rejection fails the whole batch. Typed
 * like a space (docs/typed-entries.md): with the map `TM` the events' entry is the map's type for the
 * container's type name `N`; untyped, an `Entry`.
 */
export type NotifyHandler<
  TM extends object = UntypedEntries,
  N extends EntryTypeName<TM> = EntryTypeName<TM>,
> = (events: readonly NotifyEvent<EntryFor<never, TM, N>>[], context: NotifyBatchContext) => Promise<void>;

/**
 * What to do with a batch whose handler failed `maxAttempts` times in a row:
 * - `retry`: keep going (another `maxAttempts` attempts, backoff at its cap);
 * - `skip`: give the batch up and store the position past it (the events are not delivered again);
 * - `stop`: stop this partition's container, position unchanged (a restart delivers the batch again).
 */
export type NotifyErrorDecision = 'retry' | 'skip' | 'stop';

/** Handler retries: capped exponential backoff with jitter. */
export interface NotifyRetryOptions {
  /** First backoff, ms. Default 100. */
  readonly initialBackoffMs?: number;
  /** Largest backoff, ms. Default 10,000. */
  readonly maxBackoffMs?: number;
  /** Growth per attempt. Default 2. */
  readonly multiplier?: number;
  /** Failed attempts of one batch before `onError` decides. Default 10. */
  readonly maxAttempts?: number;
}

/** Where a container that has no stored position yet starts reading a partition. */
export type NotifyStartAt = 'earliest' | 'latest';

/**
 * What `startNotifyContainer` takes (a durable notify container: see docs/notify-containers.md).
 * Untyped by default. Started with a space's type map (`startNotifyContainer<SpacelogTypes>(host, …)`,
 * `ctx.notifyContainer<SpacelogTypes>(…)`), a `type` must be one of the map's names and picks the
 * events' entry type: one {@link NotifyOptionsFor} per type name. Without a `type` such a container
 * hears every type, including any the map does not describe (dead letters, types registered since),
 * so its events stay untyped. The map is `NoInfer` where it is taken: inferred from the options it
 * would be guessed from the one `type` given; not named, it stays untyped.
 */
export type NotifyContainerOptions<TM extends object = UntypedEntries> = [keyof TM & string] extends [never]
  ? NotifyOptionsFor<TM, EntryTypeName<TM>>
  : | { readonly [N in EntryTypeName<TM>]: NotifyOptionsFor<TM, N> & { readonly type: N } }[EntryTypeName<TM>]
    | (NotifyOptionsFor<UntypedEntries, string> & { readonly type?: undefined });

/**
 * A notify container's options for the entry type named `N` of the map `TM` (any type name, or none,
 * untyped). See {@link NotifyContainerOptions}.
 */
export interface NotifyOptionsFor<TM extends object, N extends EntryTypeName<TM>> {
  /**
   * The container's durable identity: its positions are stored under it. A container started again
   * with the same name (here, after a restart, or in the unit that took a partition over) resumes
   * where it stopped. Letters, digits, `_` and `-`, at most 100.
   */
  readonly name: string;
  /**
   * The entry type to hear; default every type (a template or query needs a type). Required in a
   * typed container that types its events (see {@link NotifyContainerOptions}).
   */
  readonly type?: N;
  /** Only mutations whose new state matches this template (null fields are wildcards). */
  readonly template?: Readonly<Record<string, unknown>>;
  /** Only mutations whose new state matches this query (the WHERE subset; no ORDER BY / LIMIT). */
  readonly query?: string;
  readonly params?: QueryParams;
  /** Only these ops; default all (WRITE, UPDATE, TAKE, EXPIRE). */
  readonly ops?: readonly MutationOp[];
  readonly handler: NotifyHandler<TM, N>;
  /** Most events per handler call. Default 100. */
  readonly batchSize?: number;
  /** Longest wait, ms, for a batch to fill once its first event is there. Default 50. */
  readonly batchTimeMs?: number;
  /**
   * Most events read ahead of the handler per partition; past it the log reader stops and resumes
   * from where it stopped once the handler caught up. Default 10,000 (at least `batchSize`).
   */
  readonly maxBufferedEvents?: number;
  /** Where to start without a stored position. Default `earliest` (the log as Kafka keeps it). */
  readonly startAt?: NotifyStartAt;
  readonly retry?: NotifyRetryOptions;
  /**
   * Decides about a batch that failed `retry.maxAttempts` times (see NotifyErrorDecision); default
   * `retry`, so nothing is ever skipped unless you say so. A throwing hook counts as `retry`.
   */
  readonly onError?: (
    error: NotifyHandlerError,
    events: readonly NotifyEvent<EntryFor<never, TM, N>>[],
  ) => NotifyErrorDecision | Promise<NotifyErrorDecision>;
  /** Largest log fetch, bytes. Default 1 MiB (bounds what a read holds beside the buffer). */
  readonly fetchMaxBytes?: number;
}

/**
 * Typed options as the container runs them, untyped: the map only describes the entries the log
 * carries (the space validated each against its schema when it was written), so, as
 * `untypedPollingOptions` does for a polling container, this is the one place that takes a typed
 * handler for an untyped one.
 * @internal
 */
export function untypedNotifyOptions<TM extends object>(
  options: NotifyContainerOptions<TM>,
): NotifyContainerOptions {
  return options as unknown as NotifyContainerOptions;
}

/** Defaults of the container options (one place; tests pass smaller ones). */
export const NOTIFY_DEFAULTS = Object.freeze({
  batchSize: 100,
  batchTimeMs: 50,
  maxBufferedEvents: 10_000,
  startAt: 'earliest' as NotifyStartAt,
  initialBackoffMs: 100,
  maxBackoffMs: 10_000,
  multiplier: 2,
  maxAttempts: 10,
  fetchMaxBytes: 1024 * 1024,
});

/** The options with every default applied. @internal */
export interface ResolvedNotifyOptions {
  readonly name: string;
  readonly type: string | undefined;
  readonly template: Readonly<Record<string, unknown>> | undefined;
  readonly query: string | undefined;
  readonly params: QueryParams | undefined;
  readonly ops: ReadonlySet<MutationOp>;
  readonly handler: NotifyHandler;
  readonly batchSize: number;
  readonly batchTimeMs: number;
  readonly maxBufferedEvents: number;
  readonly startAt: NotifyStartAt;
  readonly retry: Required<NotifyRetryOptions>;
  readonly onError: NonNullable<NotifyContainerOptions['onError']>;
  readonly fetchMaxBytes: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const OPS: readonly MutationOp[] = ['WRITE', 'UPDATE', 'TAKE', 'EXPIRE'];
const KEYS = optionKeys<NotifyContainerOptions>({
  name: true,
  type: true,
  template: true,
  query: true,
  params: true,
  ops: true,
  handler: true,
  batchSize: true,
  batchTimeMs: true,
  maxBufferedEvents: true,
  startAt: true,
  retry: true,
  onError: true,
  fetchMaxBytes: true,
});
const RETRY_KEYS = optionKeys<NotifyRetryOptions>({
  initialBackoffMs: true,
  maxBackoffMs: true,
  multiplier: true,
  maxAttempts: true,
});

/** Checks the options (unknown keys, contradictions, ranges) and applies the defaults. @internal */
export function resolveNotifyOptions(options: NotifyContainerOptions): ResolvedNotifyOptions {
  if (!isOptionsObject(options)) {
    throw new InvalidArgumentError('notify container options must be an object');
  }
  rejectUnknownKeys(
    options,
    KEYS,
    (key) => new InvalidArgumentError(`unknown notify container option '${key}'`),
  );
  if (typeof options.name !== 'string' || !NAME.test(options.name)) {
    throw new InvalidArgumentError(
      `notify container name '${String(options.name)}' must match ${NAME.source}`,
    );
  }
  if (typeof options.handler !== 'function') {
    throw new InvalidArgumentError(`notify container ${options.name}: handler must be a function`);
  }
  if (options.template !== undefined && options.query !== undefined) {
    throw new InvalidArgumentError(`notify container ${options.name}: give a template or a query, not both`);
  }
  if ((options.template !== undefined || options.query !== undefined) && options.type === undefined) {
    throw new InvalidArgumentError(`notify container ${options.name}: a template or query needs a type`);
  }
  if (options.params !== undefined && options.query === undefined) {
    throw new InvalidArgumentError(`notify container ${options.name}: params without a query`);
  }
  const ops = options.ops ?? OPS;
  if (!Array.isArray(ops) || ops.length === 0 || ops.some((op) => !OPS.includes(op))) {
    throw new InvalidArgumentError(
      `notify container ${options.name}: ops must be a non-empty list of ${OPS.join(', ')}`,
    );
  }
  rejectNonObject(
    options.retry,
    `notify container ${options.name}: retry`,
    (message) => new InvalidArgumentError(message),
  );
  const retry = options.retry ?? {};
  rejectUnknownKeys(
    retry,
    RETRY_KEYS,
    (key) => new InvalidArgumentError(`unknown notify container retry option '${key}'`),
  );
  const batchSize = count(options.name, 'batchSize', options.batchSize ?? NOTIFY_DEFAULTS.batchSize, 1);
  const maxBufferedEvents = count(
    options.name,
    'maxBufferedEvents',
    options.maxBufferedEvents ?? Math.max(NOTIFY_DEFAULTS.maxBufferedEvents, batchSize),
    batchSize,
  );
  const startAt = options.startAt ?? NOTIFY_DEFAULTS.startAt;
  if (startAt !== 'earliest' && startAt !== 'latest') {
    throw new InvalidArgumentError(
      `notify container ${options.name}: startAt must be 'earliest' or 'latest'`,
    );
  }
  const initialBackoffMs = count(
    options.name,
    'retry.initialBackoffMs',
    retry.initialBackoffMs ?? NOTIFY_DEFAULTS.initialBackoffMs,
    0,
  );
  return {
    name: options.name,
    type: options.type,
    template: options.template,
    query: options.query,
    params: options.params,
    ops: new Set(ops),
    handler: options.handler,
    batchSize,
    batchTimeMs: count(options.name, 'batchTimeMs', options.batchTimeMs ?? NOTIFY_DEFAULTS.batchTimeMs, 0),
    maxBufferedEvents,
    startAt,
    retry: {
      initialBackoffMs,
      maxBackoffMs: count(
        options.name,
        'retry.maxBackoffMs',
        retry.maxBackoffMs ?? Math.max(NOTIFY_DEFAULTS.maxBackoffMs, initialBackoffMs),
        initialBackoffMs,
      ),
      multiplier: number(options.name, 'retry.multiplier', retry.multiplier ?? NOTIFY_DEFAULTS.multiplier, 1),
      maxAttempts: count(
        options.name,
        'retry.maxAttempts',
        retry.maxAttempts ?? NOTIFY_DEFAULTS.maxAttempts,
        1,
      ),
    },
    onError: options.onError ?? (() => 'retry'),
    fetchMaxBytes: count(
      options.name,
      'fetchMaxBytes',
      options.fetchMaxBytes ?? NOTIFY_DEFAULTS.fetchMaxBytes,
      1024,
    ),
  };
}

function count(name: string, key: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(
      `notify container ${name}: ${key} must be an integer >= ${min}, got ${value}`,
    );
  }
  return value;
}

function number(name: string, key: string, value: number, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidArgumentError(
      `notify container ${name}: ${key} must be a number >= ${min}, got ${value}`,
    );
  }
  return value;
}

/**
 * The backoff after `attempt` failures in a row: exponential from `initialBackoffMs`, capped at
 * `maxBackoffMs`, with "equal jitter" (half fixed, half random) so failing partitions spread out
 * without ever retrying at once.
 */
export function notifyBackoffMs(
  attempt: number,
  retry: Required<NotifyRetryOptions>,
  random: () => number = Math.random,
): number {
  const backoff = {
    initialMs: retry.initialBackoffMs,
    maxMs: retry.maxBackoffMs,
    multiplier: retry.multiplier,
    jitter: 'equal',
  } as const;
  return backoffMs(backoff, attempt, random);
}
