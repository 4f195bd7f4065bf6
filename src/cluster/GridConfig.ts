import {
  optionKeys,
  rejectBadNumbers,
  rejectNonBoolean,
  rejectNonObject,
  rejectUnknownKeys,
  type NumberRules,
} from '../config/optionKeys';
import { InvalidArgumentError } from '../errors';
import type { KafkaClientOptions } from '../log/connection/KafkaClientOptions';
import {
  DEFAULT_BROKERS as KAFKA_DEFAULT_BROKERS,
  kafkaBrokersFromEnv,
} from '../log/connection/kafkaEnvironment';
import { checkKafkaClientOptions } from '../log/connection/resolveKafkaConnection';
import type { LogReadProgress } from '../log/read/LogReader';
import { MIN_MAX_RECORD_BYTES } from '../log/append/recordSize';
import type { TopicSettings } from '../log/admin/TopicSettings';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { PartitionLimits } from '../space/ExecuteContext';
import type { ReplicationMode } from '../partition/ReplicationSink';
import type { PrimaryRole } from '../partition/PrimaryPartition';
import type { SpacelogError } from '../errors';
import type { ListenerErrorHandler } from '../ops/logging/listenerErrors';
import type { SpacelogLogger } from '../ops/logging/SpacelogLogger';
import { checkHttpOptions, type HttpOptions } from '../http/HttpOptions';
import {
  checkGridMirrorOptions,
  type CheckedGridMirror,
  type GridMirrorOptions,
} from '../mirror/MirrorConfig';

/** What `Spacelog.start` takes. Only `space`, `partitions` and `schemas` are required. */
export interface GridOptions {
  /** Space name: the middle part of its topics `<prefix>.<space>.<k>`. */
  readonly space: string;
  /** Partition count P, fixed when the space is created (an existing space with another P is refused). */
  readonly partitions: number;
  /** Entry types: a folder of `.avsc` files or a loaded registry. */
  readonly schemas: string | TypeRegistry;
  /**
   * Where Kafka is and how to reach it (brokers, client id, `ssl`, `sasl`; the environment fills what
   * is not given: docs/security.md), and how the space's topics are created.
   */
  readonly kafka?: KafkaClientOptions & {
    readonly replicationFactor?: number;
    readonly minInsyncReplicas?: number;
    /**
     * Compaction, retention and size settings of the space's topics, set at creation and checked at
     * every start (defaults and reasons: docs/operations.md, "Topic configuration").
     */
    readonly topics?: TopicSettings;
  };
  /** Topic prefix; default `spacelog`. */
  readonly prefix?: string;
  /** `sync` (default): acknowledged after Kafka acks=all. `async`: after apply; see docs/space-api.md for the window of loss. */
  readonly replication?: ReplicationMode;
  /** Async mode: most acknowledged-but-unappended mutations per partition (default 10,000). */
  readonly asyncWindow?: number;
  readonly limits?: PartitionLimits;
  /** Group-commit linger per partition in ms (default 0: the appends of one event-loop turn). */
  readonly lingerMs?: number;
  /** How often leases are checked (default 1000 ms). */
  readonly leaseSweepMs?: number;
  /** How long an operation waits for a partition that is warming up (default 30,000 ms). */
  readonly readyWaitMs?: number;
  /** Stamped on every mutation as its origin; default `<hostname>:<pid>`. */
  readonly origin?: string;
  readonly onProgress?: (partition: number, progress: LogReadProgress) => void;
  readonly onRoleChange?: (partition: number, role: PrimaryRole, reason?: SpacelogError) => void;
  /**
   * Runs the write-behind PostgreSQL mirror of the space in this process, started once the grid
   * serves and stopped by `close()` (`grid.mirror`). Also the source of a `warmup: 'mirror'`.
   */
  readonly mirror?: GridMirrorOptions;
  /**
   * Where a partition's state comes from at start: `log` (default) folds the whole partition log;
   * `mirror` loads the partition's rows from the mirror tables (versions and leases included) and
   * folds only the log after the offset stored with them. Needs `mirror`. When the mirror cannot be
   * read, the partition falls back to the log.
   */
  readonly warmup?: 'log' | 'mirror';
  /**
   * A warm-up fetches the partition log in a worker thread while the main thread decodes and folds
   * it, so it uses two cores. `'auto'` (default) does so when the log has 20,000 offsets or more to
   * read (a thread's start costs more than a short log takes); true always, false never.
   */
  readonly warmUpInWorker?: boolean | 'auto';
  /**
   * Where the grid logs (pino, a child of the application's pino, or anything with pino's
   * trace/debug/info/warn/error/fatal(fields, message) and child(bindings)): role changes, warm-ups,
   * fencings, rebuilds, placements, refused connections, listener errors, and kafkajs's own
   * warnings, each once, with space, partition and unit fields. Default: pino, JSON lines on standard
   * error, at `SPACELOG_LOG_LEVEL`, else `warn` (docs/operations.md, "Logging").
   */
  readonly logger?: SpacelogLogger;
  /**
   * Told of every error a listener throws (a `subscribe` listener of a partition, an
   * `onPartitionEvent` listener); each is logged in any case, and the listener keeps listening.
   */
  readonly onListenerError?: ListenerErrorHandler;
  /**
   * Serves `/metrics` (Prometheus), `/healthz`, `/readyz` and the web console (`/console`) over HTTP,
   * on 127.0.0.1:9464 unless `host` / `port` say otherwise, loopback only (docs/operations.md). Off by
   * default.
   */
  readonly http?: HttpOptions;
  /**
   * Counting for `metrics()` and `/metrics` (operations, latency, appends): on by default; `false`
   * turns the engines' and appenders' counting off (their figures then stay at zero).
   */
  readonly metrics?: boolean;
}

export const DEFAULT_BROKERS: readonly string[] = KAFKA_DEFAULT_BROKERS;
/** Keys of `kafka` a grid takes besides brokers, clientId, ssl and sasl. */
export const GRID_KAFKA_KEYS = optionKeys<Omit<NonNullable<GridOptions['kafka']>, keyof KafkaClientOptions>>({
  replicationFactor: true,
  minInsyncReplicas: true,
  topics: true,
});
export const DEFAULT_LEASE_SWEEP_MS = 1000;
export const DEFAULT_READY_WAIT_MS = 30_000;
export const MAX_PARTITIONS = 4096;

/** The keys of GridOptions (a unit takes most of them: UnitConfig). */
export const GRID_OPTION_KEYS = optionKeys<GridOptions>({
  space: true,
  partitions: true,
  schemas: true,
  kafka: true,
  prefix: true,
  replication: true,
  asyncWindow: true,
  limits: true,
  lingerMs: true,
  leaseSweepMs: true,
  readyWaitMs: true,
  origin: true,
  onProgress: true,
  onRoleChange: true,
  mirror: true,
  warmup: true,
  warmUpInWorker: true,
  logger: true,
  onListenerError: true,
  http: true,
  metrics: true,
});
/** The keys of `limits` (`recordBytes` among them: the type has it, though a primary sets it). */
const LIMITS_KEYS = optionKeys<PartitionLimits>({
  maxEntryBytes: true,
  maxRecordBytes: true,
  maxEntries: true,
  maxIdLength: true,
});
/**
 * What each limit may be: a count of at least 1 (0 would refuse every entry), Infinity to lift one,
 * except `maxRecordBytes`, which the partition's appender needs to split its sends by.
 */
const LIMITS_RULES: NumberRules<PartitionLimits> = {
  maxEntryBytes: { integer: true, min: 1, orInfinity: true },
  maxRecordBytes: { integer: true, min: MIN_MAX_RECORD_BYTES },
  maxEntries: { integer: true, min: 1, orInfinity: true },
  maxIdLength: { integer: true, min: 1, orInfinity: true },
};

/** Brokers from the environment (`SPACELOG_KAFKA_BROKERS`, comma separated), else the default. */
export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return kafkaBrokersFromEnv(env);
}

/** What checking a grid's options resolved, for the grid to use rather than resolve again. @internal */
export interface CheckedGridOptions {
  /** The mirror's options checked, its database resolved (undefined: no mirror). */
  readonly mirror: CheckedGridMirror | undefined;
}

/** Rejects unknown keys and contradictory values at start, before anything connects. */
export function checkGridOptions(options: GridOptions): CheckedGridOptions {
  const refuse = (message: string): InvalidArgumentError => new InvalidArgumentError(message);
  rejectNonObject(options, 'grid options', refuse);
  rejectUnknownKeys(options, GRID_OPTION_KEYS, (key) => refuse(`unknown grid option '${key}'`));
  checkKafkaClientOptions(options.kafka, 'kafka', GRID_KAFKA_KEYS);
  rejectNonObject(options.kafka?.topics, 'kafka.topics', refuse);
  checkHttpOptions(options.http);
  rejectNonObject(options.limits, 'limits', refuse);
  rejectUnknownKeys(options.limits ?? {}, LIMITS_KEYS, (key) => refuse(`unknown limits option '${key}'`));
  rejectBadNumbers(options.limits, 'limits', LIMITS_RULES, refuse);
  // Here, not only when the grid builds its mirror: by then the space's topics exist.
  const mirror = checkGridMirrorOptions(options.mirror);
  rejectNonBoolean(options.metrics, 'metrics', refuse);
  if (
    !Number.isInteger(options.partitions) ||
    options.partitions < 1 ||
    options.partitions > MAX_PARTITIONS
  ) {
    throw new InvalidArgumentError(
      `partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${String(options.partitions)}`,
    );
  }
  if (
    options.replication !== undefined &&
    options.replication !== 'sync' &&
    options.replication !== 'async'
  ) {
    throw new InvalidArgumentError(
      `replication must be 'sync' or 'async', got '${String(options.replication)}'`,
    );
  }
  if (options.warmup !== undefined && options.warmup !== 'log' && options.warmup !== 'mirror') {
    throw new InvalidArgumentError(`warmup must be 'log' or 'mirror', got '${String(options.warmup)}'`);
  }
  const inWorker: unknown = options.warmUpInWorker;
  if (inWorker !== undefined && typeof inWorker !== 'boolean' && inWorker !== 'auto') {
    throw new InvalidArgumentError(
      `warmUpInWorker must be true, false or 'auto', got ${JSON.stringify(inWorker)}`,
    );
  }
  if (options.warmup === 'mirror' && options.mirror === undefined) {
    throw new InvalidArgumentError(`warmup 'mirror' needs the mirror option (its database)`);
  }
  for (const key of ['asyncWindow', 'lingerMs', 'leaseSweepMs', 'readyWaitMs'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new InvalidArgumentError(`${key} must be a non-negative number, got ${String(value)}`);
    }
  }
  return { mirror };
}
