import * as path from 'node:path';
import { SpaceRouting } from '../../../src/client/SpaceRouting';
import { partitionOf } from '../../../src/cluster/partitionOf';
import { SchemaValidationError } from '../../../src/errors';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';

const types = SchemaLoader.loadFolder(path.resolve(__dirname, '../../../schemas/examples'));
const PARTITIONS = 8;

describe('SpaceRouting.routeWrite', () => {
  it('writes on the partition of the routing value, with the generated id, and tags the result', async () => {
    const routing = new SpaceRouting(PARTITIONS);
    const seen: { partition: number; entry: Readonly<Record<string, unknown>> }[] = [];
    const result = await routing.routeWrite(
      types.require('Order'),
      { customerId: 'c-7', status: 'NEW' },
      async (partition, entry) => {
        seen.push({ partition, entry });
        return { version: 1 };
      },
    );
    const expected = partitionOf('c-7', PARTITIONS);
    expect(result).toEqual({ version: 1, partition: expected });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.partition).toBe(expected);
    expect(seen[0]?.entry).toMatchObject({ customerId: 'c-7', status: 'NEW', id: expect.any(String) });
  });

  it('rejects an entry without a routing value before writing anywhere', async () => {
    const writeTo = jest.fn(async () => ({ version: 1 }));
    await expect(
      new SpaceRouting(PARTITIONS).routeWrite(types.require('Order'), { status: 'NEW' }, writeTo),
    ).rejects.toThrow(SchemaValidationError);
    expect(writeTo).not.toHaveBeenCalled();
  });
});
