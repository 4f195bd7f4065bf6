import { isOptionsObject, optionKeys, rejectUnknownKeys } from '../config/optionKeys';
import { InvalidArgumentError } from '../errors';
import type { Space, SpaceTransaction } from '../api/Space';
import type { EntryFor, EntryTypeName, UntypedEntries } from '../api/typedEntries';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { compileSelector } from '../space/compileSelector';
import { queryCompiler } from '../space/QuerySelection';
import { ALL, type QueryParams, type QuerySelector, type Selector } from '../space/Selector';
import { Transaction } from '../space/transaction/Transaction';

/** Backoff between the attempts of one entry: exponential, capped, with jitter (half fixed, half random). */
export interface PollingBackoff {
  /** Delay after the first failure, ms; default 100. */
  readonly initialMs?: number;
  /** Largest delay, ms; default 5,000. */
  readonly maxMs?: number;
  /** Growth per failure; default 2. */
  readonly multiplier?: number;
}

/** What a handler is told about the entry it processes; `space` carries the container's maps (`TM`, `TI`). */
export interface PollingContext<TM extends object = UntypedEntries, TI extends object = TM> {
  /** The container's name. */
  readonly container: string;
  /** The partition the entry was taken from; every operation of `tx` goes to it. */
  readonly partition: number;
  /** 1 for the first attempt at this entry version here, 2 after one failure, and so on. */
  readonly attempt: number;
  readonly type: string;
  readonly id: string;
  /** The entry's version when it was taken. */
  readonly version: number;
  /** The whole space, outside the transaction (e.g. to read reference data held by other partitions). */
  readonly space: Space<TM, TI>;
}

/**
 * Processes one taken entry. `tx` is the cycle's transaction, pinned to the entry's partition: what
 * the handler writes, changes and takes through it commits with the take, all or nothing. A throw or
 * rejection rolls the whole cycle back (the entry returns to the space) and counts as a failed attempt.
 *
 * Typed like a space (docs/typed-entries.md): with the maps `TM`, `TI` the entry is the map's type for
 * the container's type name `N` and `tx` is a `SpaceTransaction<TM, TI>`; untyped, an `Entry` and a
 * `SpaceTransaction`.
 */
export type PollingHandler<
  TM extends object = UntypedEntries,
  TI extends object = TM,
  N extends EntryTypeName<TM> = EntryTypeName<TM>,
> = (entry: EntryFor<never, TM, N>, tx: SpaceTransaction<TM, TI>, context: PollingContext<TM, TI>) => unknown;

/**
 * Hears every failure: a handler's (with the entry and its attempt number), a dead-letter move that
 * failed (its attempts; the entry, or null when the move failed before taking it), or the container's
 * own trouble with a partition (entry null, attempt 0). The entry is typed as the handler's: the map
 * `TM`'s type for the container's type name `N` (every entry it reports is one the container took),
 * untyped an `Entry`. A listener shared by containers of several types takes `entry: object | null`.
 */
export type PollingErrorListener<
  TM extends object = UntypedEntries,
  N extends EntryTypeName<TM> = EntryTypeName<TM>,
> = (error: unknown, entry: EntryFor<never, TM, N> | null, attempt: number) => void;

/**
 * What `startPollingContainer` takes. `name`, `type` and `handler` are required. Untyped by default;
 * started with a space's maps (`startPollingContainer<SpacelogTypes, SpacelogInputs>(host, …)`,
 * `ctx.pollingContainer<SpacelogTypes, SpacelogInputs>(…)`), `type` must be one of the map's names
 * and the handler's entry and `tx` are typed by it: one {@link PollingOptionsFor} per type name, so
 * the `type` given picks the handler's entry type. Where it is taken, the maps are `NoInfer`: inferred
 * from the options they would be guessed from the one `type` given (and `tx` would refuse every other
 * name); not named, they stay untyped.
 */
export type PollingContainerOptions<TM extends object = UntypedEntries, TI extends object = TM> = {
  readonly [N in EntryTypeName<TM>]: PollingOptionsFor<TM, TI, N>;
}[EntryTypeName<TM>];

/** A polling container's options for the entry type named `N` of the maps `TM`, `TI`. */
export interface PollingOptionsFor<TM extends object, TI extends object, N extends EntryTypeName<TM>> {
  /** Names the container in dead letters, errors and status. */
  readonly name: string;
  /** The entry type it takes. Its dead-letter type `<type>DeadLetter` must be declared (see docs). */
  readonly type: N;
  /** Takes entries matching this template (null or missing fields are wildcards). */
  readonly template?: Readonly<Record<string, unknown>>;
  /** Or entries matching this query (the SQL-like WHERE subset), with `params`; or a query selector. */
  readonly query?: string | QuerySelector;
  /** Parameters of a string `query`. */
  readonly params?: QueryParams;
  readonly handler: PollingHandler<TM, TI, N>;
  /** Cycles running at once per partition; default 1. */
  readonly concurrency?: number;
  /** Most entries taken per cycle (one transaction); default 1. */
  readonly batchSize?: number;
  /** Longest an idle cycle waits for a matching write before looking again, ms; default 1,000. */
  readonly receiveTimeout?: number;
  /** Failed attempts at one entry version before it is moved to the dead-letter type; default 5. */
  readonly maxAttempts?: number;
  readonly backoff?: PollingBackoff;
  /** Timeout of each cycle's transaction, ms; default 10,000 (at most 60,000). */
  readonly transactionTimeout?: number;
  readonly onError?: PollingErrorListener<TM, N>;
}

/**
 * Typed options as the container runs them, untyped: the maps only describe the entries (the space
 * validates every write against its schemas whatever they say), so, as `typedSpace` does for a
 * space, this is the one place that takes a typed handler for an untyped one.
 * @internal
 */
export function untypedPollingOptions<TM extends object, TI extends object>(
  options: PollingContainerOptions<TM, TI>,
): PollingContainerOptions {
  return options as unknown as PollingContainerOptions;
}

export const DEFAULT_POLLING_CONCURRENCY = 1;
export const DEFAULT_POLLING_BATCH_SIZE = 1;
export const DEFAULT_RECEIVE_TIMEOUT_MS = 1000;
export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_POLLING_BACKOFF: Required<PollingBackoff> = Object.freeze({
  initialMs: 100,
  maxMs: 5000,
  multiplier: 2,
});
/** Bounds that keep one container from hogging a partition (or the event loop). */
export const MAX_POLLING_CONCURRENCY = 64;
export const MAX_POLLING_BATCH_SIZE = 1000;
export const MAX_RECEIVE_TIMEOUT_MS = 60_000;
export const MAX_ATTEMPTS_LIMIT = 1000;

/** The checked options, every default applied. @internal */
export interface ResolvedPollingOptions {
  readonly name: string;
  readonly type: string;
  readonly selector: Selector;
  readonly handler: PollingHandler;
  readonly concurrency: number;
  readonly batchSize: number;
  readonly receiveTimeout: number;
  readonly maxAttempts: number;
  readonly backoff: Required<PollingBackoff>;
  readonly transactionTimeout: number;
  readonly onError: PollingErrorListener | undefined;
}

const KNOWN_KEYS = optionKeys<PollingContainerOptions>({
  name: true,
  type: true,
  template: true,
  query: true,
  params: true,
  handler: true,
  concurrency: true,
  batchSize: true,
  receiveTimeout: true,
  maxAttempts: true,
  backoff: true,
  transactionTimeout: true,
  onError: true,
});
const BACKOFF_KEYS = optionKeys<PollingBackoff>({ initialMs: true, maxMs: true, multiplier: true });

/**
 * Checks the options against the space's types (unknown keys, bad values, an unknown type, a template
 * or query that does not fit the type) and applies the defaults. Throws InvalidArgumentError.
 * @internal
 */
export function resolvePollingOptions(
  options: PollingContainerOptions,
  types: TypeRegistry,
): ResolvedPollingOptions {
  if (!isOptionsObject(options)) {
    throw new InvalidArgumentError('polling container options must be an object');
  }
  rejectUnknownKeys(
    options,
    KNOWN_KEYS,
    (key) => new InvalidArgumentError(`unknown polling container option '${key}'`),
  );
  const { name, type, handler, onError } = options;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidArgumentError('polling container option name must be a non-empty string');
  }
  const bad = (message: string): InvalidArgumentError =>
    new InvalidArgumentError(
      `polling container '${name}': ${message}`,
      typeof type === 'string' ? { type } : {},
    );
  if (typeof type !== 'string' || type === '') throw bad('type must name an entry type');
  const entryType = types.get(type);
  if (entryType === undefined) throw bad(`unknown entry type '${type}'`);
  if (typeof handler !== 'function') throw bad('handler must be a function');
  if (onError !== undefined && typeof onError !== 'function') throw bad('onError must be a function');

  const selector = selectorOf(options, bad);
  try {
    compileSelector(entryType, selector, queryCompiler());
  } catch (error) {
    throw new InvalidArgumentError(
      `polling container '${name}': its ${options.query !== undefined ? 'query' : 'template'} does not fit type '${type}': ${
        error instanceof Error ? error.message : String(error)
      }`,
      { type, cause: error },
    );
  }

  let transactionTimeout: number;
  try {
    transactionTimeout = Transaction.timeoutOf({ timeout: options.transactionTimeout });
  } catch (error) {
    throw bad(error instanceof Error ? error.message : String(error));
  }
  return {
    name,
    type,
    selector,
    handler,
    concurrency: integer(
      'concurrency',
      options.concurrency,
      DEFAULT_POLLING_CONCURRENCY,
      1,
      MAX_POLLING_CONCURRENCY,
      bad,
    ),
    batchSize: integer(
      'batchSize',
      options.batchSize,
      DEFAULT_POLLING_BATCH_SIZE,
      1,
      MAX_POLLING_BATCH_SIZE,
      bad,
    ),
    receiveTimeout: integer(
      'receiveTimeout',
      options.receiveTimeout,
      DEFAULT_RECEIVE_TIMEOUT_MS,
      1,
      MAX_RECEIVE_TIMEOUT_MS,
      bad,
    ),
    maxAttempts: integer(
      'maxAttempts',
      options.maxAttempts,
      DEFAULT_MAX_ATTEMPTS,
      1,
      MAX_ATTEMPTS_LIMIT,
      bad,
    ),
    backoff: backoffOf(options.backoff, bad),
    transactionTimeout,
    onError,
  };
}

function selectorOf(options: PollingContainerOptions, bad: (m: string) => InvalidArgumentError): Selector {
  const { template, query, params } = options;
  if (template !== undefined && query !== undefined) throw bad('give a template or a query, not both');
  if (params !== undefined && typeof query !== 'string') throw bad('params go with a string query');
  if (template !== undefined) {
    if (template === null || typeof template !== 'object' || Array.isArray(template))
      throw bad('template must be an object');
    return { template };
  }
  if (typeof query === 'string') return params === undefined ? { query } : { query, params };
  if (query !== undefined) {
    if (query === null || typeof query !== 'object' || typeof query.query !== 'string')
      throw bad('query must be a string or { query, params }');
    return query;
  }
  return ALL;
}

function integer(
  key: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
  bad: (m: string) => InvalidArgumentError,
): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw bad(`${key} must be an integer from ${min} to ${max}, got ${String(value)}`);
  return v;
}

function backoffOf(
  backoff: PollingBackoff | undefined,
  bad: (m: string) => InvalidArgumentError,
): Required<PollingBackoff> {
  if (backoff === undefined) return DEFAULT_POLLING_BACKOFF;
  if (!isOptionsObject(backoff)) throw bad('backoff must be an object');
  rejectUnknownKeys(backoff, BACKOFF_KEYS, (key) =>
    bad(`unknown backoff option '${key}' (expected initialMs, maxMs, multiplier)`),
  );
  const initialMs = backoff.initialMs ?? DEFAULT_POLLING_BACKOFF.initialMs;
  const maxMs = backoff.maxMs ?? Math.max(DEFAULT_POLLING_BACKOFF.maxMs, initialMs);
  const multiplier = backoff.multiplier ?? DEFAULT_POLLING_BACKOFF.multiplier;
  const finite = (v: number): boolean => typeof v === 'number' && Number.isFinite(v);
  if (!finite(initialMs) || initialMs < 0)
    throw bad(`backoff.initialMs must be >= 0, got ${String(initialMs)}`);
  if (!finite(maxMs) || maxMs < initialMs)
    throw bad(`backoff.maxMs must be >= backoff.initialMs (${initialMs}), got ${String(maxMs)}`);
  if (!finite(multiplier) || multiplier < 1)
    throw bad(`backoff.multiplier must be >= 1, got ${String(multiplier)}`);
  return { initialMs, maxMs, multiplier };
}
