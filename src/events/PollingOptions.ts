import { InvalidArgumentError } from '../errors';
import type { Space, SpaceTransaction } from '../client/Space';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { compileSelector } from '../space/compileSelector';
import type { Entry } from '../space/Mutation';
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

/** What a handler is told about the entry it processes. */
export interface PollingContext {
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
  readonly space: Space;
}

/**
 * Processes one taken entry. `tx` is the cycle's transaction, pinned to the entry's partition: what
 * the handler writes, changes and takes through it commits with the take, all or nothing. A throw or
 * rejection rolls the whole cycle back (the entry returns to the space) and counts as a failed attempt.
 */
export type PollingHandler = (entry: Entry, tx: SpaceTransaction, context: PollingContext) => unknown;

/**
 * Hears every failure: a handler's (with the entry and its attempt number), a dead-letter move that
 * failed (the entry, its attempts), or the container's own trouble with a partition (entry null, attempt 0).
 */
export type PollingErrorListener = (error: unknown, entry: Entry | null, attempt: number) => void;

/** What `startPollingContainer` takes. `name`, `type` and `handler` are required. */
export interface PollingContainerOptions {
  /** Names the container in dead letters, errors and status. */
  readonly name: string;
  /** The entry type it takes. Its dead-letter type `<type>DeadLetter` must be declared (see docs). */
  readonly type: string;
  /** Takes entries matching this template (null or missing fields are wildcards). */
  readonly template?: Readonly<Record<string, unknown>>;
  /** Or entries matching this query (the SQL-like WHERE subset), with `params`; or a query selector. */
  readonly query?: string | QuerySelector;
  /** Parameters of a string `query`. */
  readonly params?: QueryParams;
  readonly handler: PollingHandler;
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
  readonly onError?: PollingErrorListener;
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

const KNOWN_KEYS = new Set([
  'name',
  'type',
  'template',
  'query',
  'params',
  'handler',
  'concurrency',
  'batchSize',
  'receiveTimeout',
  'maxAttempts',
  'backoff',
  'transactionTimeout',
  'onError',
]);
const BACKOFF_KEYS = new Set(['initialMs', 'maxMs', 'multiplier']);

/**
 * Checks the options against the space's types (unknown keys, bad values, an unknown type, a template
 * or query that does not fit the type) and applies the defaults. Throws InvalidArgumentError.
 * @internal
 */
export function resolvePollingOptions(
  options: PollingContainerOptions,
  types: TypeRegistry,
): ResolvedPollingOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError('polling container options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) throw new InvalidArgumentError(`unknown polling container option '${key}'`);
  }
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
  if (backoff === null || typeof backoff !== 'object') throw bad('backoff must be an object');
  for (const key of Object.keys(backoff)) {
    if (!BACKOFF_KEYS.has(key))
      throw bad(`unknown backoff option '${key}' (expected initialMs, maxMs, multiplier)`);
  }
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
