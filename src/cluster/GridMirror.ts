import type { Knex } from 'knex';
import { InvalidArgumentError, type SpacelogError } from '../errors';
import type { KafkaConnection } from '../log/connection/KafkaConnection';
import type { DatabaseSpec } from '../mirror/DatabaseOptions';
import {
  DEFAULT_MIRROR_CONCURRENCY,
  DEFAULT_MIRROR_SCHEMA,
  type MirrorPoisonPolicy,
  type MirrorReconcile,
} from '../mirror/MirrorConfig';
import { MirrorProjector } from '../mirror/MirrorProjector';
import { openDatabase } from '../mirror/openMirrorDatabase';
import { checkDatabaseOptions } from '../mirror/resolveDatabaseConfig';
import { readMirrorSnapshot, type MirrorSnapshot } from '../mirror/readMirrorSnapshot';
import type { RetryListener } from '../mirror/retryDatabase';
import type { SpacelogLogger } from '../ops/logging/SpacelogLogger';
import type { TypeRegistry } from '../schema/TypeRegistry';

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

const KNOWN_KEYS = new Set([
  'database',
  'schema',
  'history',
  'project',
  'createTables',
  'concurrency',
  'onError',
  'onRetry',
  'onPoison',
  'onReconcile',
  'onWarmupFallback',
  'logger',
]);

/**
 * The grid's side of the mirror: one pool, the projector (started after the grid serves, in the
 * background so that PostgreSQL never holds the grid up), and the snapshots a warm-up reads.
 * @internal
 */
export class GridMirror {
  readonly schema: string;
  readonly projector: MirrorProjector | undefined;
  private readonly knex: Knex;
  private readonly ownsKnex: boolean;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly options: GridMirrorOptions,
    private readonly space: string,
    private readonly types: TypeRegistry,
    kafka: {
      readonly prefix: string;
      readonly connection: KafkaConnection;
      readonly logger?: SpacelogLogger;
    },
  ) {
    for (const key of Object.keys(options)) {
      if (!KNOWN_KEYS.has(key)) throw new InvalidArgumentError(`unknown mirror option '${key}'`);
    }
    this.schema = options.schema ?? DEFAULT_MIRROR_SCHEMA;
    const database = options.database;
    this.ownsKnex = typeof database !== 'function';
    if (typeof database !== 'function') checkDatabaseOptions(database, 'mirror.database');
    this.knex =
      typeof database === 'function'
        ? database
        : openDatabase(database, { max: (options.concurrency ?? DEFAULT_MIRROR_CONCURRENCY) + 4 });
    // The grid's own connection (TLS, SASL), under the mirror's client id.
    const { ssl, sasl } = kafka.connection;
    this.projector =
      options.project === false
        ? undefined
        : new MirrorProjector({
            space,
            schemas: types,
            database: this.knex,
            schema: this.schema,
            prefix: kafka.prefix,
            kafka: {
              brokers: kafka.connection.brokers,
              ...(ssl === undefined ? {} : { ssl }),
              ...(sasl === undefined ? {} : { sasl }),
            },
            ...(options.history === undefined ? {} : { history: options.history }),
            ...(options.createTables === undefined ? {} : { createTables: options.createTables }),
            ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
            ...(options.onError === undefined ? {} : { onError: options.onError }),
            ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
            ...(options.onPoison === undefined ? {} : { onPoison: options.onPoison }),
            ...(options.onReconcile === undefined ? {} : { onReconcile: options.onReconcile }),
            ...((options.logger ?? kafka.logger) === undefined
              ? {}
              : { logger: options.logger ?? kafka.logger }),
          });
  }

  /** One partition's rows and the offset they cover, for a warm-up from the mirror. */
  snapshot(partition: number): Promise<MirrorSnapshot> {
    return readMirrorSnapshot(
      { knex: this.knex, schema: this.schema, space: this.space, types: this.types },
      partition,
    );
  }

  /** Starts the projector in the background; the promise settles once it consumes (or failed to start). */
  start(): Promise<void> {
    this.starting ??= (async () => {
      try {
        await this.projector?.start();
      } catch (error) {
        this.options.onError?.(error as SpacelogError);
        throw error;
      }
    })();
    // Reported through onError; a caller who wants to know awaits `started()`.
    this.starting.catch(() => undefined);
    return this.starting;
  }

  /** Settles once the projector consumes; rejects with why it could not start. */
  started(): Promise<void> {
    return this.starting ?? Promise.resolve();
  }

  /** Stops the projector and closes the pool if the grid made it. Idempotent. */
  async close(): Promise<void> {
    await this.projector?.stop();
    if (this.ownsKnex) await this.knex.destroy().catch(() => undefined);
  }
}
