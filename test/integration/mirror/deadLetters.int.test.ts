import { Kafka, logLevel, type Producer } from 'kafkajs';
import { MirrorPoisonRecordError } from '../../../src/errors';
import { MutationCodec } from '../../../src/log/codec/MutationCodec';
import { partitionTopic } from '../../../src/log/admin/topicNames';
import { DeadLetterStore, type StoredDeadLetter } from '../../../src/mirror/DeadLetterStore';
import { fetchEndOffsets } from '../../../src/mirror/MirrorLag';
import { readMirrorSnapshot } from '../../../src/mirror/readMirrorSnapshot';
import { readMirrorStatus } from '../../../src/mirror/readMirrorStatus';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { Mutation } from '../../../src/space/Mutation';
import { testDatabaseUrl } from '../../support';
import { CliProcess } from '../cli/cliProcess';
import { EXAMPLE_SCHEMAS, mirrorTestBedForSuite, type MirrorTestBed } from './mirrorTestKit';

const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
const codec = new MutationCodec({ types: [...types] });

/**
 * Before 4714-11-24 BC: a JavaScript instant (and an Avro long: within ±2^52, which avsc's zigzag keeps)
 * PostgreSQL has no timestamp for.
 */
const BEFORE_POSTGRES_MS = -4_000_000_000_000_000;
/** 1200 BC or so: PostgreSQL holds it. */
const LONG_AGO_MS = -100_000_000_000_123;

function customer(id: string, version: number, fields: Record<string, unknown> = {}): Mutation {
  return {
    op: version === 1 ? 'WRITE' : 'UPDATE',
    type: 'Customer',
    id,
    version,
    leaseExpiresAt: null,
    timestamp: Date.now(),
    origin: 'crafted',
    state: {
      id,
      name: `Customer ${id}`,
      email: `${id}@example.com`,
      city: 'Oslo',
      tier: 'GOLD',
      createdAt: 1_700_000_000_000,
      ...fields,
    },
  };
}

function product(sku: string, stock: number): Mutation {
  return {
    op: 'WRITE',
    type: 'Product',
    id: sku,
    version: 1,
    leaseExpiresAt: null,
    timestamp: Date.now(),
    origin: 'crafted',
    state: { sku, name: sku, price: 1, stock, tags: [] },
  };
}

/** Appends records straight to partition 0 of a space (no grid, not transactional), as one batch. */
async function craft(
  bed: MirrorTestBed,
  space: string,
  records: readonly { key: Buffer; value: Buffer | null; headers?: Record<string, string> }[],
): Promise<void> {
  const kafka = new Kafka({ clientId: 'craft', brokers: bed.brokers, logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: partitionTopic(bed.prefix, space, 0), acks: -1, messages: [...records] });
  } finally {
    await producer.disconnect();
  }
}

async function logEnd(bed: MirrorTestBed, space: string): Promise<number> {
  const admin = new Kafka({ clientId: 'end', brokers: bed.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [end] = await fetchEndOffsets(admin, [partitionTopic(bed.prefix, space, 0)]);
    return end ?? 0;
  } finally {
    await admin.disconnect();
  }
}

async function rows(bed: MirrorTestBed, table: string): Promise<Record<string, unknown>[]> {
  return (await bed.db.knex.withSchema(bed.db.schema).table(table).select('*').orderBy('_offset')) as Record<
    string,
    unknown
  >[];
}

describe('mirror poison records', () => {
  const bed = mirrorTestBedForSuite('deadletters');

  it('dead-letters what it cannot apply (in the offset transaction) and mirrors the records after it', async () => {
    const { db } = bed;
    const space = 'dl';
    await bed.prepareTables(space, types);
    // A constraint of the user's: PostgreSQL refuses a row the grid accepted.
    await db.knex.raw(
      `ALTER TABLE "${db.schema}".dl_product ADD CONSTRAINT stock_not_negative CHECK (stock >= 0)`,
    );
    const grid = await bed.startGrid({ space, partitions: 1, schemas: types });
    await grid.space.write('Customer', customer('c0', 1).state ?? {});
    // U+0000 in a string: Avro and the grid take it, PostgreSQL's text cannot hold it.
    const withNul = await grid.space.write('Customer', { ...customer('c-nul', 1).state, name: 'a\u0000b' });
    await grid.close();

    const base = await logEnd(bed, space);
    const badInstant = codec.encode(customer('c-old', 1, { createdAt: BEFORE_POSTGRES_MS }));
    const refused = codec.encode(product('p-neg', -1));
    await craft(bed, space, [
      badInstant, // base + 0: a valid envelope with a value PostgreSQL has no type for
      {
        key: Buffer.from('Customer/junk'),
        value: Buffer.from('not a mutation'),
        headers: { 'spacelog.op': 'WRITE' },
      },
      refused, // base + 2: a valid envelope PostgreSQL refuses (CHECK)
      codec.encode(customer('c1', 1)),
      codec.encode(customer('c1', 2, { city: 'Lyon' })),
      codec.encode(product('p-ok', 3)),
      // Before 1 AD and within PostgreSQL's range: stored as it is (PostgreSQL reads `… BC`, not ISO's -YYYYYY).
      codec.encode(customer('c-bc', 1, { createdAt: LONG_AGO_MS })),
    ]);
    const end = await logEnd(bed, space);
    expect(end).toBe(base + 7);

    const projector = bed.projector({ space, schemas: types });
    await projector.start();
    await projector.waitForCatchUp(60_000);
    expect(projector.failure).toBeUndefined();

    // The records after the poison are mirrored; none of the poison is.
    const customers = await rows(bed, 'dl_customer');
    expect(customers.map((r) => [r.id, Number(r._version), r.city])).toEqual([
      ['c0', 1, 'Oslo'],
      ['c1', 2, 'Lyon'],
      ['c-bc', 1, 'Oslo'],
    ]);
    expect((customers[2]?.created_at as Date).getTime()).toBe(LONG_AGO_MS);
    expect((await rows(bed, 'dl_product')).map((r) => r.sku)).toEqual(['p-ok']);
    const offset = (await db.knex
      .withSchema(db.schema)
      .table('spacelog_offsets')
      .where({ space })
      .first()) as {
      topic_offset: string;
    };
    expect(Number(offset.topic_offset)).toBe(end);

    const letters = await new DeadLetterStore(db.schema, space).list(db.knex);
    expect(letters.map((l) => [l.partition, l.offset, l.code, l.op, l.key?.toString()])).toEqual([
      [0, withNul.position?.offset, 'UNMAPPABLE', 'WRITE', 'Customer/c-nul'],
      [0, base, 'UNMAPPABLE', 'WRITE', 'Customer/c-old'],
      [0, base + 1, 'UNDECODABLE', 'WRITE', 'Customer/junk'],
      [0, base + 2, 'PG_23514', 'WRITE', 'Product/p-neg'],
    ]);
    const [nul, old, junk, neg] = letters as [
      StoredDeadLetter,
      StoredDeadLetter,
      StoredDeadLetter,
      StoredDeadLetter,
    ];
    expect(nul.message).toMatch(/field name: a string with U\+0000/);
    expect(old.message).toMatch(/field createdAt: instant -4000000000000000 ms is out of range/);
    expect(junk.message).toMatch(/cannot decode record Customer\/junk/);
    expect(neg.message).toMatch(/stock_not_negative/);
    // The record is kept as logged: the U+0000 string is there, byte for byte.
    const kept = codec.decode({ key: nul.key, value: nul.value, headers: {} } as never);
    expect(kept.state?.name).toBe('a\u0000b');
    expect(old.value?.equals(badInstant.value ?? Buffer.alloc(0))).toBe(true);
    expect(junk.value?.toString()).toBe('not a mutation');

    // Lag and status count them; a warm-up from the mirror does not trust this partition.
    expect((await projector.lag())[0]).toMatchObject({ records: 0, deadLetters: 4 });
    const status = await readMirrorStatus({
      knex: db.knex,
      space,
      partitions: 1,
      brokers: bed.brokers,
      prefix: bed.prefix,
      schema: db.schema,
    });
    expect(status[0]).toMatchObject({ appliedOffset: end, deadLetters: 4 });
    await expect(
      readMirrorSnapshot({ knex: db.knex, schema: db.schema, space, types }, 0),
    ).rejects.toBeInstanceOf(MirrorPoisonRecordError);

    // `spacelog mirror dead-letters` lists them (compiled CLI).
    const cli = new CliProcess([
      'mirror',
      'dead-letters',
      '--space',
      space,
      '--database',
      testDatabaseUrl(),
      '--pg-schema',
      db.schema,
      '--json',
    ]);
    const exit = await cli.exited;
    expect(exit.stderr).toBe('');
    const listed = JSON.parse(exit.stdout) as { offset: number; code: string }[];
    expect(listed.map((l) => [l.offset, l.code])).toEqual(letters.map((l) => [l.offset, l.code]));

    // After a restart nothing is dead-lettered twice and the count is read back.
    await projector.stop();
    const again = bed.projector({ space, schemas: types });
    await again.start();
    await again.waitForCatchUp(30_000);
    expect((await again.lag())[0]).toMatchObject({ records: 0, deadLetters: 4 });
    await again.stop();
  }, 120_000);

  it("with onPoison 'stop', stops at a record PostgreSQL refuses and applies nothing of its batch", async () => {
    const { db } = bed;
    const space = 'dlstop';
    await bed.prepareTables(space, types);
    await db.knex.raw(
      `ALTER TABLE "${db.schema}".dlstop_product ADD CONSTRAINT stock_not_negative CHECK (stock >= 0)`,
    );
    const grid = await bed.startGrid({ space, partitions: 1, schemas: types });
    await grid.space.write('Customer', customer('c0', 1).state ?? {});
    await grid.close();
    const base = await logEnd(bed, space);
    await craft(bed, space, [codec.encode(customer('c1', 1)), codec.encode(product('p-neg', -1))]);

    const projector = bed.projector({ space, schemas: types, onPoison: 'stop' });
    await projector.start();
    const failure = await projector.stopped;
    expect(failure).toBeInstanceOf(MirrorPoisonRecordError);
    expect(failure).toMatchObject({
      partition: 0,
      offset: String(base + 1),
      type: 'Product',
      entryId: 'p-neg',
    });
    const offset = (await db.knex
      .withSchema(db.schema)
      .table('spacelog_offsets')
      .where({ space })
      .first()) as { topic_offset: string } | undefined;
    expect(Number(offset?.topic_offset ?? 0)).toBeLessThanOrEqual(base);
    // c0 may have been fetched in a batch of its own; c1 shares the refused record's batch.
    expect((await rows(bed, 'dlstop_customer')).map((r) => r.id)).not.toContain('c1');
    expect(await new DeadLetterStore(db.schema, space).list(db.knex)).toEqual([]);
  }, 60_000);
});
