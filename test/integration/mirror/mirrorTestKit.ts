import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { GridMirrorOptions } from '../../../src/mirror/MirrorConfig';
import type { GridOptions } from '../../../src/cluster/GridConfig';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { EntryNotFoundError } from '../../../src/errors';
import { entryOfRow } from '../../../src/mirror/entryOfRow';
import { makeMirrorMigration } from '../../../src/mirror/makeMirrorMigration';
import type { MirrorOptions } from '../../../src/mirror/MirrorConfig';
import { MirrorProjector } from '../../../src/mirror/MirrorProjector';
import { migrateLatest } from '../../../src/mirror/SpacelogMigrations';
import { mapEntryType } from '../../../src/mirror/TableMapping';
import type { TypeRegistry } from '../../../src/schema/TypeRegistry';
import {
  deleteTestTopics,
  openTestDatabase,
  testKafkaBrokers,
  uniqueName,
  type TestDatabase,
} from '../../support';
import type { EntryPicture } from '../grid/foldLog';

// The shared kit's schemas and topic cleanup, under the names the mirror tests use.
export { deleteTestTopics, EXAMPLE_SCHEMAS } from '../../support/gridTestKit';

/**
 * What a mirror test runs on: the test broker under a topic prefix of its own, and a PostgreSQL schema
 * of its own (`db`, there once {@link open} has run). It starts grids and projectors wired to both;
 * {@link close} stops those still running, drops the schema and deletes the topics.
 */
export class MirrorTestBed {
  readonly brokers: string[] = testKafkaBrokers();
  readonly prefix: string;
  private database: TestDatabase | undefined;
  private readonly grids: LocalGrid[] = [];
  private readonly projectors: MirrorProjector[] = [];

  /** `label` names the topic prefix and the database schema (each made unique). */
  constructor(private readonly label: string) {
    this.prefix = uniqueName(`tm${label}`);
  }

  /** The test's database schema. */
  get db(): TestDatabase {
    if (this.database === undefined) throw new Error('the mirror test bed is not open yet');
    return this.database;
  }

  /** Creates the database schema, on the test database or on the server at `url` (a private one). */
  async open(url?: string): Promise<void> {
    this.database = await openTestDatabase(this.label, url);
  }

  /** Starts a grid on the bed's topics; `close()` closes it if the test has not. */
  async startGrid(options: Omit<GridOptions, 'prefix' | 'kafka'>): Promise<LocalGrid> {
    const grid = await LocalGrid.start({ ...options, prefix: this.prefix, kafka: { brokers: this.brokers } });
    this.grids.push(grid);
    return grid;
  }

  /**
   * A projector (not started) from the bed's topics into its schema, through the bed's knex unless
   * `database` says otherwise; `close()` stops it if the test has not.
   */
  projector(
    options: Omit<MirrorOptions, 'database' | 'schema' | 'prefix' | 'kafka'> &
      Partial<Pick<MirrorOptions, 'database'>>,
  ): MirrorProjector {
    const projector = new MirrorProjector({
      database: this.db.knex,
      ...options,
      schema: this.db.schema,
      prefix: this.prefix,
      kafka: { brokers: this.brokers },
    });
    this.projectors.push(projector);
    return projector;
  }

  /** A grid's embedded mirror (its `mirror` option) into the bed's schema. */
  gridMirror(options: Omit<GridMirrorOptions, 'database' | 'schema'> = {}): GridMirrorOptions {
    return { ...options, database: this.db.knex, schema: this.db.schema };
  }

  /** {@link prepareMirrorTables} in the bed's schema; returns the migrations folder. */
  prepareTables(space: string, types: TypeRegistry): Promise<string> {
    return prepareMirrorTables({ knex: this.db.knex, schema: this.db.schema, space, types });
  }

  /** {@link mirrorPicture} of the bed's schema. */
  mirrorPicture(space: string, types: TypeRegistry): Promise<EntryPicture> {
    return mirrorPicture(this.db.knex, this.db.schema, space, types);
  }

  /** Stops the projectors, closes the grids, drops the schema and deletes the topics (even if the drop fails). */
  async close(): Promise<void> {
    try {
      for (const projector of this.projectors) await projector.stop();
      for (const grid of this.grids) await grid.close();
      await this.database?.close();
    } finally {
      await deleteTestTopics(this.brokers, this.prefix);
    }
  }
}

/**
 * The mirror test bed of the enclosing `describe` block: a `beforeAll` opens it and an `afterAll`
 * closes it. Call it in the block's body; the bed's `db` is there inside tests and later hooks.
 */
export function mirrorTestBedForSuite(label: string): MirrorTestBed {
  const bed = new MirrorTestBed(label);
  beforeAll(() => bed.open());
  afterAll(() => bed.close());
  return bed;
}

/** Generates the mirror migration of a space into a fresh folder and applies it; returns the folder. */
export async function prepareMirrorTables(options: {
  knex: Knex;
  schema: string;
  space: string;
  types: TypeRegistry;
  directory?: string;
}): Promise<string> {
  const directory = options.directory ?? mkdtempSync(path.join(os.tmpdir(), 'spacelog-migrations-'));
  await makeMirrorMigration({ ...options, directory });
  await migrateLatest({ knex: options.knex, schema: options.schema, directories: [directory] });
  return directory;
}

/** Every mirror row of a space as `type/id` → version and entry (the shape `foldLog` returns). */
export async function mirrorPicture(
  knex: Knex,
  schema: string,
  space: string,
  types: TypeRegistry,
): Promise<EntryPicture> {
  const picture: EntryPicture = {};
  for (const type of types) {
    const mapping = mapEntryType(space, type, schema);
    const rows = (await knex.withSchema(schema).table(mapping.table).select('*')) as Record<
      string,
      unknown
    >[];
    for (const row of rows) {
      const mirrored = entryOfRow(mapping, row);
      picture[`${type.name}/${mirrored.id}`] = { version: mirrored.version, entry: mirrored.entry };
    }
  }
  return picture;
}

/** A small deterministic random source (mulberry32), so a failing workload can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a workload did (acknowledged operations). */
export interface WorkloadCounts {
  writes: number;
  changes: number;
  takes: number;
  leased: number;
}

/**
 * A random mix through the grid: customers and orders written, rewritten and changed, orders taken
 * (and some ids written again, so versions restart at 1), payments with short leases that expire,
 * products with arrays. Every call is awaited, so every counted operation was acknowledged.
 */
export async function runWorkload(
  grid: LocalGrid,
  options: { operations: number; seed: number; tag: string; concurrency?: number },
): Promise<WorkloadCounts> {
  const random = seededRandom(options.seed);
  const counts: WorkloadCounts = { writes: 0, changes: 0, takes: 0, leased: 0 };
  const orders: { id: string; customerId: string }[] = [];
  const taken: { id: string; customerId: string }[] = [];
  const statuses = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  let n = 0;
  const step = async (): Promise<void> => {
    const i = n++;
    const r = random();
    const customerId = `c${Math.floor(random() * 20)}`;
    if (r < 0.15) {
      await grid.space.write('Customer', {
        id: customerId,
        name: `Customer ${i}`,
        email: `c${i}@example.com`,
        city: pick(['Oslo', 'Lyon', 'Porto']),
        tier: pick(['BRONZE', 'SILVER', 'GOLD']),
        createdAt: 1_700_000_000_000 + i,
      });
      counts.writes++;
    } else if (r < 0.5 || orders.length < 5) {
      // Sometimes write a taken id again (same routing): a new life at version 1. Ids are unique per
      // type across the space, as the mirror's primary key requires.
      const reused = random() < 0.3 ? taken.shift() : undefined;
      const id = reused?.id ?? `${options.tag}-o${i}`;
      const routing = reused?.customerId ?? customerId;
      await grid.space.write(
        'Order',
        {
          id,
          customerId: routing,
          status: pick(statuses),
          total: Math.round(random() * 100_000) / 100,
          createdAt: 1_700_000_000_000 + i,
          shipping: { city: pick(['Oslo', 'Lyon']), zip: String(1000 + i) },
          lines: [{ sku: `sku-${i % 7}`, quantity: 1 + (i % 3), price: 9.5 }],
          note: random() < 0.5 ? null : `note ${i}`,
        },
        { mode: 'upsert' },
      );
      orders.push({ id, customerId: routing });
      counts.writes++;
    } else if (r < 0.75) {
      const target = pick(orders);
      // Another worker may take it meanwhile: a change by id of a missing entry is refused.
      const result = await grid.space
        .change(
          'Order',
          { id: target.id },
          [
            { op: 'increment', path: 'total', by: 1 },
            { op: 'set', path: 'status', value: pick(statuses) },
          ],
          { routing: target.customerId },
        )
        .catch((error: unknown) => {
          if (error instanceof EntryNotFoundError) return { count: 0 };
          throw error;
        });
      counts.changes += result.count;
    } else if (r < 0.88) {
      const index = Math.floor(random() * orders.length);
      const [target] = orders.splice(index, 1);
      if (target === undefined) return;
      const result = await grid.space.take('Order', { id: target.id }, { routing: target.customerId });
      if (result !== null) {
        counts.takes++;
        taken.push(target);
      }
    } else if (r < 0.95) {
      await grid.space.write(
        'Payment',
        {
          id: `${options.tag}-p${i}`,
          orderId: `o${i}`,
          amount: 10 + i,
          method: pick(['CARD', 'CASH']),
          paidAt: 1_700_000_000_000 + i,
        },
        { lease: 50 + Math.floor(random() * 300) },
      );
      counts.leased++;
    } else {
      await grid.space.write('Product', {
        sku: `sku-${i % 11}`,
        name: `Product ${i}`,
        price: 1 + (i % 50),
        stock: i,
        tags: i % 2 === 0 ? ['a', `t${i}`] : [],
      });
      counts.writes++;
    }
  };
  const workers = Array.from({ length: options.concurrency ?? 4 }, async () => {
    while (n < options.operations) await step();
  });
  await Promise.all(workers);
  return counts;
}

/** Entries as a grid holds them, with their leases: `type/id` → version, lease and state. */
export type LeasedPicture = Record<
  string,
  { version: number; leaseExpiresAt: number | null; entry: unknown }
>;

/** The leased picture of a running grid (warm-ups compared field for field, leases included). */
export function leasedPictureOf(grid: LocalGrid): LeasedPicture {
  const picture: LeasedPicture = {};
  for (const e of grid.entries()) {
    picture[`${e.type}/${e.id}`] = { version: e.version, leaseExpiresAt: e.leaseExpiresAt, entry: e.entry };
  }
  return picture;
}
