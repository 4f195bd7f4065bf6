import { Kafka, logLevel } from 'kafkajs';
import { MirrorPoisonRecordError } from '../../../src/errors';
import { fetchEndOffsets } from '../../../src/mirror/MirrorLag';
import { waitForMirror } from '../../../src/mirror/waitForMirror';
import { partitionTopic } from '../../../src/log/admin/topicNames';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { TypeRegistry } from '../../../src/schema/TypeRegistry';
import { foldLog } from '../grid/foldLog';
import { EXAMPLE_SCHEMAS, mirrorTestBedForSuite, runWorkload } from './mirrorTestKit';

const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
const partitions = 2;

/** The committed end of a partition log: the offset after the last acknowledged write. */
async function logEnd(brokers: string[], prefix: string, space: string, partition: number): Promise<number> {
  const admin = new Kafka({ clientId: 'end', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [end] = await fetchEndOffsets(admin, [partitionTopic(prefix, space, partition)]);
    return end ?? 0;
  } finally {
    await admin.disconnect();
  }
}

describe('MirrorProjector', () => {
  const bed = mirrorTestBedForSuite('projector');
  const { brokers, prefix } = bed;

  it('lets a reader wait for its own write (in process and from the table), and recovers from a database restored to an older state', async () => {
    const { db } = bed;
    const space = 'ryw';
    await bed.prepareTables(space, types);
    const grid = await bed.startGrid({ space, partitions, schemas: types });
    const projector = bed.projector({ space, schemas: types });
    try {
      await projector.start();
      await runWorkload(grid, { operations: 100, seed: 3, tag: 'a' });
      const written = await grid.space.write('Customer', {
        id: 'ryw-1',
        name: 'Ada',
        email: 'ada@example.com',
        city: 'Oslo',
        tier: 'GOLD',
        createdAt: 1_700_000_000_000,
      });
      // Let the commit marker settle so the committed end covers the write.
      let end = 0;
      while (end === 0 || end < (await logEnd(brokers, prefix, space, written.partition))) {
        end = await logEnd(brokers, prefix, space, written.partition);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const position = { partition: written.partition, offset: end - 1 };
      await projector.waitFor(position, 30_000);
      await waitForMirror(db.knex, space, position, 30_000, { schema: db.schema });
      const row = (await db.knex
        .withSchema(db.schema)
        .table('ryw_customer')
        .where({ id: 'ryw-1' })
        .first()) as { name: string; _version: string } | undefined;
      expect(row).toMatchObject({ name: 'Ada', _version: '1' });

      // A restore from an old backup: rows and offsets gone back to nothing behind the projector's back.
      await db.knex.transaction(async (trx) => {
        for (const table of ['ryw_customer', 'ryw_order', 'ryw_payment', 'ryw_product']) {
          await trx.withSchema(db.schema).table(table).delete();
        }
        await trx.withSchema(db.schema).table('spacelog_offsets').update({ topic_offset: 0 });
      });
      await runWorkload(grid, { operations: 60, seed: 5, tag: 'b' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await grid.close();
      await projector.waitForCatchUp(60_000);
      const fold = await foldLog({ brokers, prefix, space, partitions, types });
      expect(await bed.mirrorPicture(space, types)).toEqual(fold);
      expect(projector.failure).toBeUndefined();
    } finally {
      await projector.stop();
      await grid.close();
    }
  }, 120_000);

  it('with onPoison stop, stops on a record it cannot map, naming its offset, type and id', async () => {
    const { db } = bed;
    const space = 'poison';
    const withoutPayment = new TypeRegistry([...types].filter((t) => t.name !== 'Payment'));
    await bed.prepareTables(space, withoutPayment);
    const grid = await bed.startGrid({ space, partitions: 1, schemas: types });
    await grid.space.write('Product', { sku: 's1', name: 'n', price: 1, stock: 1, tags: [] });
    await grid.space.write('Payment', { id: 'pay-1', orderId: 'o', amount: 1, method: 'CARD', paidAt: 1 });
    await grid.close();
    const errors: unknown[] = [];
    const projector = bed.projector({
      space,
      schemas: withoutPayment,
      onPoison: 'stop',
      onError: (error) => errors.push(error),
    });
    await projector.start();
    const failure = await projector.stopped;
    expect(failure).toBeInstanceOf(MirrorPoisonRecordError);
    expect(failure).toMatchObject({ type: 'Payment', entryId: 'pay-1', offset: '2', partition: 0, space });
    expect(errors).toEqual([failure]);
    // Offset 1 is the first transaction's commit marker. Nothing of the poisoned batch was applied.
    const offsets = (await db.knex.withSchema(db.schema).table('spacelog_offsets').where({ space })) as {
      topic_offset: string;
    }[];
    expect(offsets.every((o) => Number(o.topic_offset) <= 2)).toBe(true);
  }, 60_000);
});
