import { Type } from 'avsc';
import fc from 'fast-check';
import { MutationCodec } from '../../../src/log/codec/MutationCodec';
import { kafkaMessageOf } from '../../../src/log/append/kafkaMessage';
import {
  maxRecordBatchBytes,
  RECORD_BATCH_OVERHEAD_BYTES,
  recordBytesInBatch,
  splitByBytes,
} from '../../../src/log/append/recordSize';
import type { Mutation } from '../../../src/space/Mutation';

// kafkajs's own encoders (patched: a message's spacelogRecordTail is written as is), as its produce
// request uses them: one record batch per partition and send.
/* eslint-disable @typescript-eslint/no-require-imports */
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: object) => unknown;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (b: object) => Promise<{ buffer: Buffer }>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The bytes Kafka measures against max.message.bytes for one send of these messages. */
async function batchBytes(messages: readonly ReturnType<typeof kafkaMessageOf>[]): Promise<number> {
  const now = Date.now();
  const records = messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: now - now }));
  const batch = await RecordBatch({
    records,
    firstTimestamp: now,
    maxTimestamp: now,
    transactional: true,
    lastOffsetDelta: records.length - 1,
  });
  return batch.buffer.length;
}

const blobType = Type.forSchema({
  type: 'record',
  name: 'Blob',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'data', type: 'bytes' },
  ],
});
const codec = new MutationCodec({ types: [{ name: 'Blob', avroType: blobType }] });

const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 });
// avsc writes a long within +-(2^53 - 2).
const safeLong = fc.integer({ min: -(Number.MAX_SAFE_INTEGER - 1), max: Number.MAX_SAFE_INTEGER - 1 });
const mutation = fc.record({
  op: fc.constantFrom('WRITE' as const, 'UPDATE' as const, 'TAKE' as const, 'EXPIRE' as const),
  id: text,
  origin: fc.string({ unit: 'grapheme', maxLength: 80 }),
  version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER - 1 }),
  leaseExpiresAt: fc.option(safeLong),
  timestamp: safeLong,
  size: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 70_000 })),
});

describe('record sizes against Kafka record batches', () => {
  it('bounds the single-record batch of any mutation of an entry, and closely', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const state = { id: m.id, data: Buffer.alloc(m.size, 7) };
        const stateBytes = blobType.toBuffer(state).length;
        const full: Mutation = {
          op: m.op,
          type: 'Blob',
          id: m.id,
          version: m.version,
          leaseExpiresAt: m.leaseExpiresAt,
          timestamp: m.timestamp,
          origin: m.origin,
          state: m.op === 'WRITE' || m.op === 'UPDATE' ? state : null,
        };
        const message = kafkaMessageOf(codec.encode(full));
        const actual = await batchBytes([message]);
        const bound = maxRecordBatchBytes('Blob', m.id, m.origin, stateBytes);
        expect(actual).toBeLessThanOrEqual(bound);
        expect(RECORD_BATCH_OVERHEAD_BYTES + recordBytesInBatch(message.tailBytes)).toBeGreaterThanOrEqual(
          actual,
        );
        // Close: a WRITE with every number at its longest comes within a few dozen bytes of it.
        if (full.state !== null) expect(bound - actual).toBeLessThan(80);
      }),
      { numRuns: 200 },
    );
  });

  it('runs split by bytes each fit the limit as a batch, keep the order and lose nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 6000, max: 40_000 }),
        async (sizes, limit) => {
          const messages = sizes.map((size, i) =>
            kafkaMessageOf({
              key: Buffer.from(`Blob/${i}`),
              value: Buffer.alloc(size),
              headers: { 'spacelog.op': 'WRITE', 'spacelog.origin': 'pu-1' },
            }),
          );
          const runs = splitByBytes(messages, (m) => recordBytesInBatch(m.tailBytes), limit);
          expect(runs.flat()).toEqual(messages);
          for (const run of runs) {
            expect(run.length).toBeGreaterThan(0);
            expect(await batchBytes(run)).toBeLessThanOrEqual(limit);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('an item larger than the limit goes alone, never dropped', () => {
    const runs = splitByBytes([10, 500, 10, 10], (n) => n, 200);
    expect(runs).toEqual([[10], [500], [10, 10]]);
  });
});
