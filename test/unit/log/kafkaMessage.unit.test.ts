import fc from 'fast-check';
import * as kafkajs from 'kafkajs';
import { kafkaMessageOf, recordTail, recordTailBytes } from '../../../src/log/append/kafkaMessage';
import { KAFKAJS_WRITES_RECORD_TAILS, readPatchVersion } from '../../../src/log/append/kafkajsPatch';

// kafkajs's own record encoder (patched: it writes a message's spacelogRecordTail as is).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer;
  value: Buffer | null;
  headers: Record<string, string>;
  spacelogRecordTail?: Buffer;
}) => { buffer: Buffer };

// Header text with multi-byte characters and lengths past one varint byte (63 bytes).
const text = fc.string({ unit: 'grapheme', maxLength: 120, size: 'max' });
const record = fc.record({
  key: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  value: fc.option(fc.uint8Array({ maxLength: 5000 }).map((a) => Buffer.from(a))),
  headers: fc.dictionary(text, text, { maxKeys: 6 }),
  offsetDelta: fc.integer({ min: 0, max: 100_000 }),
  timestampDelta: fc.oneof(fc.constant(0), fc.integer({ min: -(2 ** 40), max: 2 ** 40 })),
});

describe('pre-encoded Kafka records', () => {
  it('a record written from its tail is byte for byte the record kafkajs writes itself', () => {
    fc.assert(
      fc.property(record, ({ key, value, headers, offsetDelta, timestampDelta }) => {
        const stock = Record({ offsetDelta, timestampDelta, key, value, headers }).buffer;
        const spacelogRecordTail = recordTail(key, value, headers);
        const patched = Record({
          offsetDelta,
          timestampDelta,
          key,
          value,
          headers,
          spacelogRecordTail,
        }).buffer;
        expect(patched.equals(stock)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('writes a header longer than a one-byte length, with multi-byte characters', () => {
    const headers = { 'spacelog.origin': 'é'.repeat(40), ['k'.repeat(70)]: '' };
    const key = Buffer.from('Order/1');
    const value = Buffer.from('v');
    const stock = Record({ offsetDelta: 3, timestampDelta: 0, key, value, headers }).buffer;
    const spacelogRecordTail = recordTail(key, value, headers);
    expect(
      Record({ offsetDelta: 3, timestampDelta: 0, key, value, headers, spacelogRecordTail }).buffer,
    ).toEqual(stock);
  });

  it('a tail is its own copy: the next one does not overwrite it', () => {
    const first = recordTail(Buffer.from('Order/1'), Buffer.from('one'), { 'spacelog.op': 'WRITE' });
    const copy = Buffer.from(first);
    recordTail(Buffer.from('Order/2'), Buffer.alloc(100_000, 7), { 'spacelog.op': 'UPDATE' });
    expect(first.equals(copy)).toBe(true);
  });

  it('a message with its tail keeps its key, value and headers too, on partition 0', () => {
    const key = Buffer.from('Order/1');
    const message = kafkaMessageOf({ key, value: null, headers: { 'spacelog.op': 'TAKE' } }, true);
    expect(message).toMatchObject({ key, value: null, headers: { 'spacelog.op': 'TAKE' }, partition: 0 });
    const tail = recordTail(key, null, { 'spacelog.op': 'TAKE' });
    expect(message.spacelogRecordTail?.equals(tail)).toBe(true);
    expect(message.tailBytes).toBe(tail.length);
  });
});

describe('messages for a stock kafkajs (installed as a dependency: no patch)', () => {
  it('carry no tail, and the size of the tail they would have had', () => {
    fc.assert(
      fc.property(record, ({ key, value, headers }) => {
        const message = kafkaMessageOf({ key, value, headers }, false);
        expect(message.spacelogRecordTail).toBeUndefined();
        expect(message.tailBytes).toBe(recordTail(key, value, headers).length);
        expect(recordTailBytes(key, value, headers)).toBe(message.tailBytes);
      }),
      { numRuns: 300 },
    );
  });

  it('kafkajs writes the same record for a message with or without its tail', () => {
    fc.assert(
      fc.property(record, ({ key, value, headers, offsetDelta, timestampDelta }) => {
        const plain = kafkaMessageOf({ key, value, headers }, false);
        const tailed = kafkaMessageOf({ key, value, headers }, true);
        expect(Record({ ...plain, offsetDelta, timestampDelta }).buffer).toEqual(
          Record({ ...tailed, offsetDelta, timestampDelta }).buffer,
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe('the kafkajs patch marker', () => {
  it('is found in this repository (npm install applies patches/), so the appender builds tails', () => {
    // Regression guard: without the marker every appender here would silently lose the tails.
    expect(readPatchVersion(kafkajs)).toBeGreaterThanOrEqual(1);
    expect(KAFKAJS_WRITES_RECORD_TAILS).toBe(true);
    expect(
      kafkaMessageOf({ key: Buffer.from('k'), value: null, headers: {} }).spacelogRecordTail,
    ).toBeDefined();
  });

  it('reads a stock kafkajs (no marker, or not a positive integer) as unpatched', () => {
    expect(readPatchVersion({})).toBe(0);
    expect(readPatchVersion({ spacelogPatch: '1' })).toBe(0);
    expect(readPatchVersion({ spacelogPatch: 0 })).toBe(0);
    expect(readPatchVersion({ spacelogPatch: 2 })).toBe(2);
  });
});
