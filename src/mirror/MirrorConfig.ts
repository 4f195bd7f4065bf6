import type { Knex } from 'knex';
import {
  optionKeys,
  rejectBadNumbers,
  rejectNonObject,
  rejectUnknownKeys,
  type NumberRules,
} from '../config/optionKeys';
import { InvalidArgumentError, type SpacelogError } from '../errors';
import type { KafkaClientOptions } from '../log/connection/KafkaClientOptions';
import type { SpacelogLogger } from '../ops/logging/SpacelogLogger';
import { checkKafkaClientOptions } from '../log/connection/resolveKafkaConnection';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { DatabaseSpec } from './DatabaseOptions';
import { checkDatabaseOptions, resolveDatabaseConfig, type DatabaseConfig } from './resolveDatabaseConfig';
import type { RetryListener, RetryPolicy } from './retryDatabase';
import type { ReconcileReason } from './tombstoneHorizon';

/** The applied position of one partition after a batch, for progress displays. */
export interface MirrorProgress {
  readonly partition: number;
  /** Next offset to apply (everything before it is in PostgreSQL). */
  readonly appliedOffset: number;
  /** The partition log's end as Kafka reported it with the batch. */
  readonly endOffset: number;
  /** Mutations applied by this batch. */
  readonly mutations: number;
}

/**
 * A partition rebuilt from a full read of its log because the mirror resumed it past the tombstone
 * horizon (its position was older than `delete.retention.ms`, or below the log start), so it may have
 * missed TAKE / EXPIRE tombstones Kafka's cleaner removed.
 */
export interface MirrorReconcile {
  readonly partition: number;
  readonly reason: ReconcileReason;
  /** The stored position it resumed from. */
  readonly fromOffset: number;
  /** The position after the rebuild (the log end when the read began). */
  readonly toOffset: number;
  /** Records read from the log. */
  readonly records: number;
  /** Live entries written as rows. */
  readonly rows: number;
  /** Rows deleted: entries the log no longer holds (taken or expired while the mirror was away). */
  readonly removed: number;
}

/** What `new MirrorProjector(options)` takes. `space`, `schemas` and `database` are required. */
export interface MirrorOptions {
  readonly space: string;
  /** Entry types: a folder of `.avsc` files or a loaded registry (the same the grid uses). */
  readonly schemas: string | TypeRegistry;
  /**
   * A knex instance (kept open by `stop()`), or where PostgreSQL is: a URL without a password, or
   * `{ url | host, port, database, user, passwordFile, ssl }` (the projector owns that pool; the
   * password and TLS settings also come from the environment: docs/security.md).
   */
  readonly database: Knex | DatabaseSpec;
  /** PostgreSQL schema of the mirror tables and Spacelog's own tables; default `spacelog`. */
  readonly schema?: string;
  /** Topic prefix; default `spacelog`. */
  readonly prefix?: string;
  /** Where Kafka is and how to reach it (`ssl`, `sasl`); the environment fills what is not given (docs/security.md). */
  readonly kafka?: KafkaClientOptions;
  /** Kafka consumer group; default `<prefix>.<space>.mirror`. Its committed offsets are never used. */
  readonly groupId?: string;
  /** Kafka group session timeout: how soon a dead projector's partitions move to another; default 30 s. */
  readonly sessionTimeoutMs?: number;
  /**
   * Partitions applied in parallel (each in its own transactions); default 4. Their transactions wait on
   * round trips and commits, so overlapping them keeps the lag down (bench/RESULTS.md, mirror).
   */
  readonly concurrency?: number;
  /** Most bytes fetched per partition per batch; default 1 MiB. */
  readonly maxBatchBytes?: number;
  /** Backoff while PostgreSQL is away; default 100 ms doubling up to 5 s. */
  readonly retry?: Partial<RetryPolicy>;
  /** Apply Spacelog's own migrations (spacelog_offsets, spacelog_types) at start; default true. */
  readonly migrate?: boolean;
  /**
   * Create or migrate the mirror tables of the types in place at start, without migration files
   * (see `createMirrorTables`); default false: the tables come from `spacelog migrate`.
   */
  readonly createTables?: boolean;
  /**
   * Also append every mutation (not coalesced) to the append-only `<space>_history` table, in the
   * same transaction as the rows; default false. The table comes from `migrate make --history`
   * (or `createTables`).
   */
  readonly history?: boolean;
  readonly onProgress?: (progress: MirrorProgress) => void;
  /** A transient database failure, before the wait that follows it. */
  readonly onRetry?: RetryListener;
  /** A partition was rebuilt from its whole log (see {@link MirrorReconcile}); `lag()` counts them too. */
  readonly onReconcile?: (event: MirrorReconcile) => void;
  /**
   * What a record the mirror cannot apply does (one that is not a valid Mutation, a value PostgreSQL
   * cannot hold as it is, a row PostgreSQL refuses): `'dead-letter'` (default) records it in
   * `spacelog_dead_letters`, in the transaction that moves the offset past it, and goes on; `'stop'`
   * stops the projector with MirrorPoisonRecordError and applies nothing of its batch.
   */
  readonly onPoison?: MirrorPoisonPolicy;
  /** The projector stopped on a failure it cannot retry (a poison record with `onPoison: 'stop'`, a schema change under it). */
  readonly onError?: (error: SpacelogError) => void;
  /**
   * Where the mirror logs (pino or anything shaped like it): PostgreSQL outages and recoveries,
   * dead-lettered records, rebuilds, a stop, and kafkajs's own warnings. Default: a pino logger on
   * standard error at `SPACELOG_LOG_LEVEL`, else `warn` (docs/operations.md, "Logging").
   */
  readonly logger?: SpacelogLogger;
}

/** See {@link MirrorOptions.onPoison}. */
export type MirrorPoisonPolicy = 'stop' | 'dead-letter';

export const DEFAULT_MIRROR_SCHEMA = 'spacelog';
export const DEFAULT_MIRROR_CONCURRENCY = 4;
export const DEFAULT_MIRROR_BATCH_BYTES = 1024 * 1024;
export const DEFAULT_ON_POISON: MirrorPoisonPolicy = 'dead-letter';

const KNOWN_KEYS = optionKeys<MirrorOptions>({
  space: true,
  schemas: true,
  database: true,
  schema: true,
  prefix: true,
  kafka: true,
  groupId: true,
  concurrency: true,
  sessionTimeoutMs: true,
  maxBatchBytes: true,
  retry: true,
  migrate: true,
  createTables: true,
  history: true,
  onProgress: true,
  onRetry: true,
  onReconcile: true,
  onPoison: true,
  onError: true,
  logger: true,
});

const RETRY_KEYS = optionKeys<RetryPolicy>({ initialMs: true, maxMs: true });
/**
 * Waits of 0 are fine. A NaN or infinite wait would end as a 1 ms timer (Node's rule for a delay it
 * cannot take): a busy loop on a database that is down.
 */
const RETRY_RULES: NumberRules<RetryPolicy> = {
  initialMs: { integer: false, min: 0 },
  maxMs: { integer: false, min: 0 },
};
/** The keys of a grid's `mirror` (`GridOptions.mirror`). */
export const GRID_MIRROR_KEYS = optionKeys<GridMirrorOptions>({
  database: true,
  schema: true,
  history: true,
  project: true,
  createTables: true,
  concurrency: true,
  onError: true,
  onRetry: true,
  onPoison: true,
  onReconcile: true,
  onWarmupFallback: true,
  logger: true,
});

const refuse = (message: string): InvalidArgumentError => new InvalidArgumentError(message);

/** Refuses unknown keys and bad values before anything connects. */
export function checkMirrorOptions(options: MirrorOptions): void {
  rejectNonObject(options, 'mirror options', refuse);
  rejectUnknownKeys(options, KNOWN_KEYS, (key) => refuse(`unknown mirror option '${key}'`));
  checkKafkaClientOptions(options.kafka, 'kafka');
  if (typeof options.database !== 'function') checkDatabaseOptions(options.database, 'database');
  rejectNonObject(options.retry, 'retry', refuse);
  rejectUnknownKeys(options.retry ?? {}, RETRY_KEYS, (key) => refuse(`unknown mirror retry option '${key}'`));
  rejectBadNumbers(options.retry, 'retry', RETRY_RULES, refuse);
  checkProjectorValues(options);
  for (const key of ['maxBatchBytes', 'sessionTimeoutMs'] as const) checkPositiveInteger(key, options[key]);
}

/** A grid's mirror options as {@link checkGridMirrorOptions} checked them, its database resolved once. @internal */
export interface CheckedGridMirror {
  readonly options: GridMirrorOptions;
  /** The knex the grid was given, or the database settings resolved (files read, TLS rules applied). */
  readonly database: Knex | DatabaseConfig;
}

/**
 * Refuses unknown keys and bad values of a grid's `mirror` when the grid's options are checked, before
 * the grid creates its topics, and resolves its database settings then: what `GridMirror` takes, so
 * nothing builds one unchecked and nothing reads the settings twice. Undefined: no mirror. @internal
 */
export function checkGridMirrorOptions(mirror: GridMirrorOptions | undefined): CheckedGridMirror | undefined {
  rejectNonObject(mirror, 'mirror', refuse);
  if (mirror === undefined) return undefined;
  rejectUnknownKeys(mirror, GRID_MIRROR_KEYS, (key) => refuse(`unknown mirror option '${key}'`));
  const database =
    typeof mirror.database === 'function'
      ? mirror.database
      : resolveDatabaseConfig(mirror.database, process.env, 'mirror.database');
  checkProjectorValues(mirror);
  return { options: mirror, database };
}

/** Values a projector takes that a grid's mirror hands it as they are: checked for both. */
function checkProjectorValues(options: Pick<MirrorOptions, 'schema' | 'onPoison' | 'concurrency'>): void {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new InvalidArgumentError(
      `mirror schema must be a lower-case SQL identifier, got '${options.schema}'`,
    );
  }
  if (options.onPoison !== undefined && options.onPoison !== 'stop' && options.onPoison !== 'dead-letter') {
    throw new InvalidArgumentError(
      `onPoison must be 'stop' or 'dead-letter', got '${String(options.onPoison)}'`,
    );
  }
  checkPositiveInteger('concurrency', options.concurrency);
}

function checkPositiveInteger(key: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new InvalidArgumentError(`${key} must be a positive integer, got ${String(value)}`);
  }
}

/** The mirror of a grid (`GridOptions.mirror`). */
export interface GridMirrorOptions {
  /**
   * Where PostgreSQL is (the grid owns that pool): a URL without a password, or
   * `{ url | host, port, database, user, passwordFile, ssl }`, with the password and TLS also from
   * the environment (docs/security.md); or a knex instance (left open by `close()`).
   */
  readonly database: DatabaseSpec | Knex;
  /** PostgreSQL schema of the mirror tables; default `spacelog`. */
  readonly schema?: string;
  /** Also append every mutation to the append-only `<space>_history` table. Default false. */
  readonly history?: boolean;
  /** Run the projector in this process; default true. False: the mirror is only read by `warmup: 'mirror'`. */
  readonly project?: boolean;
  /** Create or migrate the mirror tables in place at start, without migration files (demos, tests). */
  readonly createTables?: boolean;
  /** Partitions applied in parallel by the projector; default 4. */
  readonly concurrency?: number;
  /** The projector stopped on a failure (or could not start). The grid keeps serving (docs/design.md law 6). */
  readonly onError?: (error: SpacelogError) => void;
  /** A transient database failure the projector is waiting out. */
  readonly onRetry?: RetryListener;
  /**
   * A record the projector cannot apply: `'dead-letter'` (default) records it in
   * `spacelog_dead_letters` and goes on; `'stop'` stops the projector (see `MirrorOptions.onPoison`).
   */
  readonly onPoison?: MirrorPoisonPolicy;
  /** A partition was rebuilt from its whole log after resuming past the tombstone horizon. */
  readonly onReconcile?: (event: MirrorReconcile) => void;
  /** `warmup: 'mirror'` could not read a partition's snapshot: that partition warmed up from its log. */
  readonly onWarmupFallback?: (partition: number, error: unknown) => void;
  /** Where the projector logs (outages, dead letters, rebuilds); default: the grid's logger. */
  readonly logger?: SpacelogLogger;
}
