import { SchemaValidationError } from '../../../src/errors';
import { EntryType } from '../../../src/schema/EntryType';
import { LONG_MAX, LONG_MIN } from '../../../src/schema/avro/compileSchema';
import { exampleTypes, order } from '../space/fixtures';

describe('EntryType', () => {
  const orders = exampleTypes().require('Order');

  it('reads the spacelog attributes', () => {
    expect(orders.name).toBe('Order');
    expect(orders.fullName).toBe('spacelog.examples.Order');
    expect(orders.idField).toBe('id');
    expect(orders.generatedIds).toBe(true);
    expect(orders.routingField).toBe('customerId');
    expect(orders.indexes.map((i) => [i.name, i.kind, i.fields])).toContainEqual([
      'byCustomerStatus',
      'equality',
      ['customerId', 'status'],
    ]);
    expect(exampleTypes().require('Product').idField).toBe('sku');
    expect(exampleTypes().require('Payment').routingField).toBe('orderId');
  });

  it('resolves dotted field paths for queries', () => {
    expect(orders.fieldInfo('shipping.city')).toEqual({ kind: 'string', nullable: false });
    expect(orders.fieldInfo('createdAt')).toEqual({ kind: 'timestamp', nullable: false });
    expect(orders.fieldInfo('note')).toEqual({ kind: 'string', nullable: true });
    expect(orders.fieldInfo('lines')?.kind).toBe('array');
    expect(orders.fieldInfo('status')?.symbols).toEqual(['NEW', 'PAID', 'SHIPPED', 'CANCELLED']);
    expect(orders.fieldInfo('nope')).toBeUndefined();
  });

  it('returns a deeply frozen normalized copy, optional fields defaulting to null', () => {
    const input = order('o1');
    const entry = orders.validate(input);
    expect(entry).not.toBe(input);
    expect(entry).toEqual({ ...input, note: null });
    expect(Object.keys(entry)).toEqual([
      'id',
      'customerId',
      'status',
      'total',
      'createdAt',
      'shipping',
      'lines',
      'note',
    ]);
    expect(Object.isFrozen(entry.shipping)).toBe(true);
  });

  it('measures the exact Avro size', () => {
    for (const value of [
      order('o1'),
      order('ö-ü', { note: 'é'.repeat(100), total: -1.5, createdAt: 2 ** 50 }),
    ]) {
      const entry = orders.validate(value);
      expect(orders.encodedSize(entry)).toBe(orders.avroType.toBuffer(entry).length);
    }
  });

  it.each([
    ['wrong type', order('o1', { total: '12' }), 'total', /expected double/],
    [
      'nested wrong type',
      order('o1', { lines: [{ sku: 's', quantity: 1.5, price: 1 }] }),
      'lines.0.quantity',
      /expected int/,
    ],
    ['missing required', { ...order('o1'), customerId: undefined }, 'customerId', /missing required field/],
    [
      'missing nested',
      order('o1', { shipping: { city: 'Paris' } }),
      'shipping.zip',
      /missing required field/,
    ],
    ['unknown field', order('o1', { colour: 'red' }), 'colour', /unknown field/],
    [
      'unknown nested field',
      order('o1', { shipping: { city: 'a', zip: 'b', floor: 2 } }),
      'shipping.floor',
      /unknown field/,
    ],
    ['bad enum', order('o1', { status: 'LOST' }), 'status', /expected one of/],
    ['not an object', 42, '', /expected record/],
    ['null in non-null', order('o1', { shipping: null }), 'shipping', /expected record/],
  ])('refuses %s with the dotted path', (_name, value, field, message) => {
    const error = (() => {
      try {
        orders.validate(value);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SchemaValidationError);
    expect((error as SchemaValidationError).field).toBe(field);
    expect((error as SchemaValidationError).message).toMatch(message);
    expect((error as SchemaValidationError).type).toBe('Order');
  });

  it('supports maps, unions and recursive records', () => {
    const type = EntryType.fromSchema({
      type: 'record',
      name: 'Node',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'attrs', type: { type: 'map', values: 'int' }, default: {} },
        { name: 'next', type: ['null', 'Node'], default: null },
        { name: 'flag', type: 'boolean', default: false },
      ],
    });
    const entry = type.validate({ id: 7, next: { id: 8, attrs: { a: 1 } } });
    expect(entry).toEqual({
      id: 7,
      attrs: {},
      next: { id: 8, attrs: { a: 1 }, next: null, flag: false },
      flag: false,
    });
    expect(type.idOf(entry)).toBe('7');
    expect(type.encodedSize(entry)).toBe(type.avroType.toBuffer(entry).length);
    expect(() => type.validate({ id: 7, next: { id: 'x' } })).toThrow(/next\.id: expected long/);
    expect(() => type.validate({ id: 1, attrs: { a: 'x' } })).toThrow(/attrs\.a/);
  });

  it('refuses longs the log cannot hold exactly (avsc flips the sign below -2^52): regression', () => {
    const type = EntryType.fromSchema({
      type: 'record',
      name: 'Counter',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'n', type: 'long' },
      ],
    });
    for (const n of [LONG_MIN, LONG_MAX, 0, -1, 2 ** 52]) {
      const entry = type.validate({ id: 'c', n });
      expect(type.avroType.fromBuffer(type.avroType.toBuffer(entry))).toEqual({ id: 'c', n });
    }
    for (const n of [LONG_MIN - 1, -5e15, LONG_MAX + 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      expect(() => type.validate({ id: 'c', n })).toThrow(SchemaValidationError);
    }
  });
});
