import path from 'node:path';
import { SchemaDefinitionError } from '../../../src/errors';
import { createIndexSql, createTableSql } from '../../../src/mirror/ddl';
import { mapEntryType } from '../../../src/mirror/TableMapping';
import { toSqlJson } from '../../../src/mirror/sqlValues';
import { EntryType } from '../../../src/schema/EntryType';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';

const examples = SchemaLoader.loadFolder(path.resolve(__dirname, '../../../schemas/examples'));

function typeOf(fields: unknown[], spacelog: unknown = { id: 'id' }): EntryType {
  return EntryType.fromSchema({ type: 'record', name: 'SalesLine', namespace: 't', spacelog, fields });
}

describe('mapEntryType', () => {
  it('maps each Avro type to its PostgreSQL column', () => {
    const type = typeOf([
      { name: 'id', type: 'string' },
      { name: 'qty', type: 'int' },
      { name: 'big', type: 'long' },
      { name: 'ratio', type: 'float' },
      { name: 'price', type: 'double' },
      { name: 'ok', type: 'boolean' },
      { name: 'blob', type: 'bytes' },
      { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'day', type: { type: 'int', logicalType: 'date' } },
      { name: 'ref', type: { type: 'string', logicalType: 'uuid' } },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      { name: 'attrs', type: { type: 'map', values: 'long' } },
      { name: 'maybeNote', type: ['null', 'string'], default: null },
    ]);
    const m = mapEntryType('sales', type, 'mirror');
    expect(m.table).toBe('sales_sales_line');
    expect(m.qualifiedTable).toBe('"mirror"."sales_sales_line"');
    expect(m.columns.map((c) => [c.name, c.sqlType, c.nullable])).toEqual([
      ['id', 'text', false],
      ['qty', 'integer', false],
      ['big', 'bigint', false],
      ['ratio', 'real', false],
      ['price', 'double precision', false],
      ['ok', 'boolean', false],
      ['blob', 'bytea', false],
      ['kind', 'text', false],
      ['at', 'timestamp with time zone', false],
      ['day', 'date', false],
      ['ref', 'uuid', false],
      ['tags', 'jsonb', false],
      ['attrs', 'jsonb', false],
      ['maybe_note', 'text', true],
    ]);
    expect(m.columns.find((c) => c.name === 'kind')?.symbols).toEqual(['A', 'B']);
    expect(m.idColumn.name).toBe('id');
  });

  it('indexes nested fields through jsonb path expressions', () => {
    const order = mapEntryType('orders', examples.require('Order'), 'spacelog');
    expect(order.indexes.find((i) => i.name === 'orders_order_by_city')?.elements).toEqual([
      `("shipping"->>'city')`,
    ]);
    expect(order.indexes.find((i) => i.name === 'orders_order_by_customer_status')?.elements).toEqual([
      '"customer_id"',
      '"status"',
    ]);
    expect(createIndexSql(order)).toContain(
      `CREATE INDEX IF NOT EXISTS "orders_order_by_city" ON "orders_order" (("shipping"->>'city'))`,
    );
    const ddl = createTableSql(order);
    expect(ddl).toContain('CONSTRAINT "orders_order_pkey" PRIMARY KEY ("id")');
    expect(ddl).toContain(`CHECK ("status" IN ('NEW', 'PAID', 'SHIPPED', 'CANCELLED'))`);
    expect(ddl).toContain('"note" text,');
    expect(ddl).toContain('"_version" bigint NOT NULL');
    // The lease a warm-up from the mirror restores; null for entries that live forever.
    expect(ddl).toContain('"_lease_expires_at" timestamp with time zone,');
  });

  it('refuses fields that collide with the bookkeeping columns or with each other', () => {
    expect(() =>
      mapEntryType(
        's',
        typeOf([
          { name: 'id', type: 'string' },
          { name: '_version', type: 'long' },
        ]),
        'x',
      ),
    ).toThrow(SchemaDefinitionError);
    expect(() =>
      mapEntryType(
        's',
        typeOf([
          { name: 'id', type: 'string' },
          { name: 'aB', type: 'long' },
          { name: 'a_b', type: 'long' },
        ]),
        'x',
      ),
    ).toThrow(/both map to column "a_b"/);
  });
});

describe('toSqlJson', () => {
  it('converts values as jsonb_populate_recordset reads them', () => {
    expect(toSqlJson('timestamp-millis', 1_700_000_000_123)).toBe('2023-11-14T22:13:20.123Z');
    expect(toSqlJson('date', 19_675)).toBe('2023-11-14');
    expect(toSqlJson('bytes', Buffer.from([1, 255]))).toBe('\\x01ff');
    expect(toSqlJson('double', Number.NaN)).toBe('NaN');
    expect(toSqlJson('double', -Infinity)).toBe('-Infinity');
    expect(toSqlJson('json', { a: [1, Buffer.from('hi')] })).toEqual({ a: [1, 'aGk='] });
    expect(toSqlJson('text', null)).toBeNull();
  });

  it('refuses a value of the wrong shape', () => {
    expect(() => toSqlJson('integer', 'seven')).toThrow(/expected a integer value/);
    expect(() => toSqlJson('timestamp-millis', 8.64e15 + 1)).toThrow(/out of range/);
  });
});
