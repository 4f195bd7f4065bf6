import * as path from 'node:path';
import fc from 'fast-check';
import { Type } from 'avsc';
import { CorruptRecordError } from '../../../src/errors';
import { MutationCodec } from '../../../src/log/codec/MutationCodec';
import { FastWriteDecoder } from '../../../src/log/codec/FastWriteDecoder';
import { PackedRecordCursor, packRecords } from '../../../src/log/read/packedRecords';
import { MUTATION_ENVELOPE_TYPE, type MutationEnvelope } from '../../../src/log/codec/mutationEnvelope';
import { toPlainEntry } from '../../../src/log/codec/plainEntry';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { Mutation } from '../../../src/space/Mutation';

// The codec decodes current-schema WRITE / UPDATE records without avsc (FastWriteDecoder). It must
// return exactly what the general path (avsc + toPlainEntry) returns, and leave every other record to it.

const types = SchemaLoader.loadFolder(path.resolve(__dirname, '../../../schemas/examples'));
const orderType = types.require('Order').avroType;

/** The general path, written out: avsc envelope, avsc state, plain frozen copy. */
function reference(key: Buffer, value: Buffer): Mutation {
  const envelope = MUTATION_ENVELOPE_TYPE.fromBuffer(value) as MutationEnvelope;
  const [type, ...rest] = key.toString('utf8').split('/');
  return {
    op: envelope.op,
    type: type as string,
    id: rest.join('/'),
    version: envelope.version,
    leaseExpiresAt: envelope.leaseExpiresAt,
    timestamp: envelope.timestamp,
    origin: envelope.origin,
    state: toPlainEntry(types.require(type as string).avroType.fromBuffer(envelope.state)),
  };
}

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const orderArb = fc.record({
  id: fc.oneof(text, fc.constant('a/b')),
  customerId: text,
  status: fc.constantFrom('NEW', 'PAID', 'SHIPPED', 'CANCELLED'),
  total: fc.double({ noNaN: true }),
  createdAt: fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
  shipping: fc.record({ city: text, zip: text }),
  lines: fc.array(
    fc.record({ sku: text, quantity: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), price: fc.double() }),
    { maxLength: 70 },
  ),
  note: fc.option(text, { nil: null }),
});

describe('FastWriteDecoder', () => {
  const codec = new MutationCodec({ types: [...types] });

  it('decodes what the avsc path decodes, field for field, frozen', () => {
    fc.assert(
      fc.property(
        orderArb,
        fc.constantFrom('WRITE', 'UPDATE'),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.option(fc.integer({ min: 0, max: 2 ** 50 }), { nil: null }),
        fc.constantFrom('pu-1', 'pu-2', 'ü-origin'),
        (state, op, version, leaseExpiresAt, origin) => {
          const mutation: Mutation = {
            op: op as 'WRITE',
            type: 'Order',
            id: state.id,
            version,
            leaseExpiresAt,
            timestamp: 1_700_000_000_000,
            origin,
            state,
          };
          const { key, value } = codec.encode(mutation);
          const fast = new FastWriteDecoder();
          fast.add('Order', orderType, Buffer.from(codec.fingerprintOf('Order'), 'hex'));
          const decoded = fast.decode(key, value as Buffer);
          expect(decoded).toBeDefined();
          expect(decoded).toStrictEqual(reference(key, value as Buffer));
          expect(Object.isFrozen(decoded?.state)).toBe(true);
          expect(Object.isFrozen((decoded?.state as { lines: unknown[] }).lines)).toBe(true);
          expect(codec.decode({ key, value })).toStrictEqual(decoded);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves other schemas, key mismatches and damaged records to the general path', () => {
    const order = {
      id: 'o1',
      customerId: 'c1',
      status: 'NEW',
      total: 1,
      createdAt: 1,
      shipping: { city: 'Paris', zip: '1' },
      lines: [{ sku: 's', quantity: 1, price: 1 }],
      note: null,
    };
    const mutation: Mutation = {
      op: 'WRITE',
      type: 'Order',
      id: 'o1',
      version: 1,
      leaseExpiresAt: null,
      timestamp: 1,
      origin: 'p',
      state: order,
    };
    const { key, value } = codec.encode(mutation);
    const fast = new FastWriteDecoder();
    fast.add('Order', orderType, Buffer.from(codec.fingerprintOf('Order'), 'hex'));
    expect(fast.decode(key, value as Buffer)).toBeDefined();
    // Another writer schema (fingerprint): the codec resolves it, not the fast path.
    const other = new FastWriteDecoder();
    other.add('Order', orderType, Buffer.alloc(16));
    expect(other.decode(key, value as Buffer)).toBeUndefined();
    // Key and envelope disagree: the general path throws its typed error.
    const wrongKey = Buffer.from('Order/o2');
    expect(fast.decode(wrongKey, value as Buffer)).toBeUndefined();
    expect(() => codec.decode({ key: wrongKey, value })).toThrow(CorruptRecordError);
    // Truncated or padded values.
    for (const damaged of [
      (value as Buffer).subarray(0, (value as Buffer).length - 3),
      Buffer.concat([value as Buffer, Buffer.from([0])]),
    ]) {
      expect(fast.decode(key, damaged)).toBeUndefined();
      expect(() => codec.decode({ key, value: damaged })).toThrow(CorruptRecordError);
    }
  });

  it('compiles only types whose values it reproduces exactly (no bytes, maps, wrapped unions)', () => {
    const fast = new FastWriteDecoder();
    const withBytes = Type.forSchema({
      type: 'record',
      name: 'B',
      fields: [{ name: 'data', type: 'bytes' }],
    });
    fast.add('B', withBytes, Buffer.alloc(16));
    const value = MUTATION_ENVELOPE_TYPE.toBuffer({
      op: 'WRITE',
      type: 'B',
      id: 'x',
      version: 1,
      leaseExpiresAt: null,
      timestamp: 1,
      origin: 'p',
      schemaFingerprint: Buffer.alloc(16),
      state: withBytes.toBuffer({ data: Buffer.from([1, 2]) }),
    });
    expect(fast.decode(Buffer.from('B/x'), value)).toBeUndefined();
  });

  it('reads a record in place from a packed batch (worker warm-up) as it reads it from its own buffers', () => {
    fc.assert(
      fc.property(fc.array(orderArb, { minLength: 1, maxLength: 8 }), (states) => {
        const mutations: Mutation[] = states.map((state, i) => ({
          op: i % 3 === 2 ? 'TAKE' : 'WRITE',
          type: 'Order',
          id: state.id,
          version: i + 1,
          leaseExpiresAt: null,
          timestamp: 1_700_000_000_000 + i,
          origin: 'pu-1',
          state: i % 3 === 2 ? null : state,
        }));
        const encoded = mutations.map((m) => codec.encode(m));
        const packed = packRecords(
          encoded.map((r, i) => ({ ...r, offset: String(i), timestamp: '0', attributes: 0 })),
        );
        const cursor = new PackedRecordCursor(packed);
        const seen: (Mutation | undefined)[] = [];
        while (cursor.next()) {
          // Tombstones take the general path.
          seen.push(cursor.valueStart < 0 ? undefined : codec.decodeInPlace(cursor));
        }
        expect(seen).toEqual(encoded.map((r) => (r.value === null ? undefined : codec.decode(r))));
      }),
      { numRuns: 100 },
    );
  });
});
