import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Schema } from 'avsc';
import { CorruptRecordError, UnknownSchemaError, UnknownTypeError } from '../../../src/errors';
import {
  HEADER,
  MUTATION_ENVELOPE_SCHEMA,
  MutationCodec,
  WriterSchemas,
  schemaFingerprint,
} from '../../../src/log';
import type { EncodedRecord, LogRecord } from '../../../src/log';
import type { Mutation } from '../../../src/space/Mutation';

const orderV1: Schema = {
  type: 'record',
  name: 'Order',
  namespace: 'test.log',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'quantity', type: 'int' },
    {
      name: 'lines',
      type: {
        type: 'array',
        items: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }] },
      },
    },
  ],
};
const orderV2: Schema = {
  ...orderV1,
  fields: [...(orderV1 as { fields: object[] }).fields, { name: 'note', type: 'string', default: 'none' }],
} as Schema;

const v1 = { name: 'Order', avroType: Type.forSchema(orderV1) };
const v2 = { name: 'Order', avroType: Type.forSchema(orderV2) };

function write(state: Record<string, unknown>, overrides: Partial<Mutation> = {}): Mutation {
  return {
    op: 'WRITE',
    type: 'Order',
    id: 'o/1',
    version: 1,
    leaseExpiresAt: 1_700_000_060_000,
    timestamp: 1_700_000_000_000,
    origin: 'pu-1',
    state,
    ...overrides,
  };
}

/** What a consumer sees: headers come back as Buffers. */
function consumed(record: EncodedRecord): LogRecord {
  const headers = Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(v)]));
  return { key: record.key, value: record.value, headers };
}

describe('MutationCodec', () => {
  const state = { id: 'o/1', quantity: 3, lines: [{ sku: 'a' }, { sku: 'b' }] };

  it('round-trips a WRITE with key <type>/<id>, op headers and a frozen plain state', () => {
    const codec = new MutationCodec({ types: [v1] });
    const record = codec.encode(write(state));
    expect(record.key.toString()).toBe('Order/o/1');
    expect(record.headers[HEADER.op]).toBe('WRITE');
    expect(record.headers[HEADER.version]).toBe('1');
    const decoded = codec.decode(consumed(record));
    expect(decoded).toEqual(write(state));
    expect(Object.getPrototypeOf(decoded.state)).toBe(Object.prototype);
    expect(Object.isFrozen(decoded.state)).toBe(true);
    expect(Object.isFrozen((decoded.state as { lines: unknown[] }).lines[0])).toBe(true);
  });

  it('writes TAKE and EXPIRE as tombstones described by headers', () => {
    const codec = new MutationCodec({ types: [v1] });
    for (const op of ['TAKE', 'EXPIRE'] as const) {
      const take: Mutation = { ...write(state), op, version: 4, leaseExpiresAt: null, state: null };
      const record = codec.encode(take);
      expect(record.value).toBeNull();
      expect(record.headers).toMatchObject({
        [HEADER.op]: op,
        [HEADER.version]: '4',
        [HEADER.origin]: 'pu-1',
      });
      expect(codec.decode(consumed(record))).toEqual(take);
    }
  });

  it('reads a record written with an older schema through the current reader schema', () => {
    const writerSchemas = new WriterSchemas();
    writerSchemas.add('Order', v1.avroType.schema({ exportAttrs: true }));
    const oldRecord = new MutationCodec({ types: [v1] }).encode(write(state));
    const codec = new MutationCodec({ types: [v2], writerSchemas });
    expect(codec.decode(consumed(oldRecord)).state).toEqual({ ...state, note: 'none' });
  });

  it('refuses a record whose writer schema is not known, naming the fingerprint', () => {
    const oldRecord = new MutationCodec({ types: [v1] }).encode(write(state));
    const codec = new MutationCodec({ types: [v2] });
    expect(() => codec.decode(consumed(oldRecord))).toThrow(UnknownSchemaError);
    expect(() => codec.decode(consumed(oldRecord))).toThrow(schemaFingerprint(v1.avroType));
  });

  it('decodes a type it has no reader for with the writer schema itself', () => {
    const writerSchemas = new WriterSchemas();
    writerSchemas.add('Order', v2.avroType.schema());
    const record = new MutationCodec({ types: [v2] }).encode(write({ ...state, note: 'x' }));
    expect(new MutationCodec({ writerSchemas }).decode(consumed(record)).state).toEqual({
      ...state,
      note: 'x',
    });
  });

  it('refuses unknown types on encode and malformed records on decode', () => {
    const codec = new MutationCodec({ types: [v1] });
    expect(() => codec.encode(write(state, { type: 'Customer' }))).toThrow(UnknownTypeError);
    expect(() => codec.decode({ key: Buffer.from('no-slash'), value: null })).toThrow(CorruptRecordError);
    expect(() => codec.decode({ key: Buffer.from('Order/1'), value: Buffer.from([1, 2, 3]) })).toThrow(
      CorruptRecordError,
    );
    const tombstone = { key: Buffer.from('Order/1'), value: null, headers: { [HEADER.op]: 'WRITE' } };
    expect(() => codec.decode(tombstone)).toThrow(CorruptRecordError);
  });

  it('keeps the public schemas/spacelog/Mutation.avsc equal to the envelope it writes', () => {
    const file = JSON.parse(
      readFileSync(join(__dirname, '../../../schemas/spacelog/Mutation.avsc'), 'utf8'),
    ) as Schema;
    expect(schemaFingerprint(Type.forSchema(file))).toBe(
      schemaFingerprint(Type.forSchema(MUTATION_ENVELOPE_SCHEMA)),
    );
  });
});
