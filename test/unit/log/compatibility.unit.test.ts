import { Type, type Schema } from 'avsc';
import { findIncompatibility } from '../../../src/log';

function order(fields: object[]): Type {
  return Type.forSchema({ type: 'record', name: 'Order', fields } as Schema);
}
const address = (fields: object[]): object => ({ type: 'record', name: 'Address', fields });

describe('findIncompatibility', () => {
  const v1 = order([
    { name: 'id', type: 'string' },
    { name: 'quantity', type: 'int' },
    { name: 'shipTo', type: address([{ name: 'city', type: 'string' }]) },
  ]);

  it('accepts an added field with a default, a removed field and a promoted type', () => {
    const v2 = order([
      { name: 'id', type: 'string' },
      { name: 'quantity', type: 'long' },
      { name: 'note', type: ['null', 'string'], default: null },
    ]);
    expect(findIncompatibility(v2, v1)).toBeUndefined();
  });

  it('names a field added without a default', () => {
    const v2 = order([
      { name: 'id', type: 'string' },
      { name: 'quantity', type: 'int' },
      {
        name: 'shipTo',
        type: address([
          { name: 'city', type: 'string' },
          { name: 'zip', type: 'string' },
        ]),
      },
    ]);
    expect(findIncompatibility(v2, v1)).toEqual({
      field: 'shipTo.zip',
      reason: expect.stringContaining('default'),
    });
  });

  it('names a field whose type changed to one the old type does not promote to', () => {
    const v2 = order([
      { name: 'id', type: 'string' },
      { name: 'quantity', type: 'string' },
    ]);
    expect(findIncompatibility(v2, v1)?.field).toBe('quantity');
  });
});
