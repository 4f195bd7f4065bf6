import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { gridTestKit } from '../../support';
import { EntryType } from '../../../src/schema/EntryType';
import { TypeRegistry } from '../../../src/schema/TypeRegistry';

/** A Device type; `extra` fields are appended to version 1's. */
function deviceTypes(extra: object[] = []): TypeRegistry {
  return new TypeRegistry([
    EntryType.fromSchema({
      type: 'record',
      name: 'Device',
      namespace: 'test',
      spacelog: { id: 'id' },
      fields: [{ name: 'id', type: 'string' }, { name: 'model', type: 'string' }, ...extra],
    }),
  ]);
}

describe('schema evolution through the log', () => {
  const kit = gridTestKit();
  const { prefix, brokers } = kit;
  const space = 'devices';

  afterAll(() => kit.cleanup());

  it('warms up records of an older schema under a newer compatible one, and refuses an incompatible one', async () => {
    const v1 = await LocalGrid.start({
      space,
      partitions: 2,
      schemas: deviceTypes(),
      prefix,
      kafka: { brokers },
    });
    await v1.space.write('Device', { id: 'd1', model: 'X1' });
    await v1.space.write('Device', { id: 'd2', model: 'X2' });
    await v1.close();

    const v2Types = deviceTypes([{ name: 'firmware', type: 'string', default: 'unknown' }]);
    const v2 = await LocalGrid.start({ space, partitions: 2, schemas: v2Types, prefix, kafka: { brokers } });
    try {
      expect(await v2.space.read('Device', { id: 'd1' })).toEqual({
        id: 'd1',
        model: 'X1',
        firmware: 'unknown',
      });
      await v2.space.write('Device', { id: 'd3', model: 'X3', firmware: '2.1' });
      expect(await v2.space.count('Device', { query: "firmware = 'unknown'" })).toBe(2);
    } finally {
      await v2.close();
    }

    // A field whose type changes incompatibly (string -> int): refused at start, nothing registered or served.
    const bad = new TypeRegistry([
      EntryType.fromSchema({
        type: 'record',
        name: 'Device',
        namespace: 'test',
        spacelog: { id: 'id' },
        fields: [
          { name: 'id', type: 'string' },
          { name: 'model', type: 'int' },
        ],
      }),
    ]);
    await expect(
      LocalGrid.start({ space, partitions: 2, schemas: bad, prefix, kafka: { brokers } }),
    ).rejects.toMatchObject({
      name: 'SchemaIncompatibleError',
      field: 'model',
    });
  }, 60_000);
});
