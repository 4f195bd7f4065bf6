import path from 'node:path';
import { MirrorPoisonRecordError } from '../../../src/errors';
import { coalesce, type LoggedMutation } from '../../../src/mirror/coalesce';
import { mapEntryType, type TableMapping } from '../../../src/mirror/TableMapping';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { Mutation, MutationOp } from '../../../src/space/Mutation';

const types = SchemaLoader.loadFolder(path.resolve(__dirname, '../../../schemas/examples'));
const mappings = new Map<string, TableMapping>([
  ['Product', mapEntryType('shop', types.require('Product'), 'spacelog')],
]);
const context = { space: 'shop', partition: 1 };

let offset = 0;
function m(op: MutationOp, id: string, version: number, price = 1): LoggedMutation {
  const state = op === 'TAKE' || op === 'EXPIRE' ? null : { sku: id, name: id, price, stock: 1, tags: [] };
  const mutation: Mutation = {
    op,
    type: 'Product',
    id,
    version,
    leaseExpiresAt: null,
    timestamp: 1_700_000_000_000,
    origin: 't',
    state,
  };
  return { mutation, offset: offset++ };
}

describe('coalesce', () => {
  beforeEach(() => (offset = 0));

  it('keeps the last full state of each key', () => {
    const [table] = coalesce(
      [m('WRITE', 'a', 1, 1), m('UPDATE', 'a', 2, 2), m('UPDATE', 'a', 3, 3)],
      mappings,
      context,
    );
    expect(table?.upserts).toHaveLength(1);
    expect(table?.upserts[0]).toMatchObject({ sku: 'a', price: 3, _version: 3, _partition: 1, _offset: 2 });
    // The entry's life began in the batch: whatever row had that id goes first.
    expect(table?.deletes).toEqual(['a']);
  });

  it('turns a take or an expiry after a write into a delete', () => {
    const [table] = coalesce(
      [m('UPDATE', 'a', 4), m('TAKE', 'a', 4), m('WRITE', 'b', 1), m('EXPIRE', 'b', 1)],
      mappings,
      context,
    );
    expect(table?.upserts).toEqual([]);
    expect(table?.deletes).toEqual(['a', 'b']);
  });

  it('deletes then inserts an id taken and written again (versions restart at 1)', () => {
    const [table] = coalesce(
      [m('UPDATE', 'a', 7), m('TAKE', 'a', 7), m('WRITE', 'a', 1, 9)],
      mappings,
      context,
    );
    expect(table?.deletes).toEqual(['a']);
    expect(table?.upserts[0]).toMatchObject({ sku: 'a', price: 9, _version: 1 });
    // Deleted first in the same transaction, so a plain INSERT (no ON CONFLICT) lands it.
    expect(table?.fresh).toEqual([true]);
  });

  it('updates without delete when the life began before the batch', () => {
    const [table] = coalesce([m('UPDATE', 'a', 5), m('UPDATE', 'a', 6)], mappings, context);
    expect(table?.deletes).toEqual([]);
    expect(table?.upserts[0]).toMatchObject({ _version: 6 });
    expect(table?.fresh).toEqual([false]);
  });

  it('stops on a mutation of an unknown type, naming its offset, type and id', () => {
    const first = m('WRITE', 'a', 1);
    const base = m('WRITE', 'x', 1);
    const stranger: LoggedMutation = { offset: base.offset, mutation: { ...base.mutation, type: 'Ghost' } };
    let caught: unknown;
    try {
      coalesce([first, stranger], mappings, context);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MirrorPoisonRecordError);
    expect(caught).toMatchObject({ type: 'Ghost', entryId: 'x', offset: '1', partition: 1, space: 'shop' });
  });
});
