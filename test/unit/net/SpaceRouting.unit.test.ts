import * as path from 'node:path';
import { SpaceRouting } from '../../../src/api/SpaceRouting';
import { partitionOf } from '../../../src/api/partitionOf';
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
        return { id: String(entry['id']), version: 1, leaseExpiresAt: null };
      },
    );
    const expected = partitionOf('c-7', PARTITIONS);
    expect(result).toEqual({
      id: seen[0]?.entry['id'],
      version: 1,
      leaseExpiresAt: null,
      partition: expected,
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.partition).toBe(expected);
    expect(seen[0]?.entry).toMatchObject({ customerId: 'c-7', status: 'NEW', id: expect.any(String) });
  });

  it('keeps the log position of a write in its tagged result', async () => {
    const position = { partition: 3, offset: 41 };
    const result = await new SpaceRouting(PARTITIONS).routeWrite(
      types.require('Order'),
      { id: 'o-1', customerId: 'c-7', status: 'NEW' },
      async () => ({ id: 'o-1', version: 2, leaseExpiresAt: 99, position }),
    );
    expect(result).toEqual({
      id: 'o-1',
      version: 2,
      leaseExpiresAt: 99,
      position,
      partition: partitionOf('c-7', PARTITIONS),
    });
  });

  it('rejects an entry without a routing value before writing anywhere', async () => {
    const writeTo = jest.fn(async () => ({ id: 'x', version: 1, leaseExpiresAt: null }));
    await expect(
      new SpaceRouting(PARTITIONS).routeWrite(types.require('Order'), { status: 'NEW' }, writeTo),
    ).rejects.toThrow(SchemaValidationError);
    expect(writeTo).not.toHaveBeenCalled();
  });
});
