import type { Knex } from 'knex';
import type { SpacelogError } from '../errors';
import type { KafkaConnection } from '../log/connection/KafkaConnection';
import {
  DEFAULT_MIRROR_CONCURRENCY,
  DEFAULT_MIRROR_SCHEMA,
  type CheckedGridMirror,
  type GridMirrorOptions,
} from './MirrorConfig';
import { MirrorProjector } from './MirrorProjector';
import { openDatabase } from './openMirrorDatabase';
import { readMirrorSnapshot, type MirrorSnapshot } from './readMirrorSnapshot';
import type { SpacelogLogger } from '../ops/logging/SpacelogLogger';
import type { TypeRegistry } from '../schema/TypeRegistry';

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

  private readonly options: GridMirrorOptions;

  /** @param mirror the grid's mirror options as `checkGridMirrorOptions` checked and resolved them */
  constructor(
    mirror: CheckedGridMirror,
    private readonly space: string,
    private readonly types: TypeRegistry,
    kafka: {
      readonly prefix: string;
      readonly connection: KafkaConnection;
      readonly logger?: SpacelogLogger;
    },
  ) {
    const options = mirror.options;
    this.options = options;
    this.schema = options.schema ?? DEFAULT_MIRROR_SCHEMA;
    const database = mirror.database;
    this.ownsKnex = typeof database !== 'function';
    this.knex =
      typeof database === 'function'
        ? database
        : openDatabase(database, { max: (options.concurrency ?? DEFAULT_MIRROR_CONCURRENCY) + 4 });
    // The grid's own connection (TLS, SASL) as it is, not resolved again, under the mirror's client id.
    this.projector =
      options.project === false
        ? undefined
        : new MirrorProjector(
            {
              space,
              schemas: types,
              database: this.knex,
              schema: this.schema,
              prefix: kafka.prefix,
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
            },
            kafka.connection,
          );
  }

  /** The mirror's database: the pool the grid made, or the knex it was given (the console reads it). */
  get database(): Knex {
    return this.knex;
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
