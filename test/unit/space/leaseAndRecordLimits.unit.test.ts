import { EntryTooLargeError, InvalidArgumentError } from '../../../src/errors';
import { MutationCodec } from '../../../src/log/codec/MutationCodec';
import { kafkaMessageOf } from '../../../src/log/append/kafkaMessage';
import {
  maxRecordBatchBytes,
  RECORD_BATCH_OVERHEAD_BYTES,
  recordBytesInBatch,
} from '../../../src/log/append/recordSize';
import { buildMutation, MAX_LEASE_MS } from '../../../src/space/buildMutation';
import type { Mutation } from '../../../src/space/Mutation';
import type { MutationSink } from '../../../src/space/SpaceEngineOptions';
import { exampleTypes, newEngine, order } from './fixtures';

/**
 * A sink that encodes every append as the partition appender does, and fails (as the appender then
 * fails its partition) when a mutation cannot be encoded: what reached it was applied already.
 */
class EncodingSink implements MutationSink {
  readonly codec = new MutationCodec({ types: [...exampleTypes()] });
  readonly log: Mutation[] = [];
  /** The largest record batch one of its records would make alone. */
  largestBatch = 0;
  async append(mutations: readonly Mutation[]): Promise<void> {
    for (const m of mutations) {
      const message = kafkaMessageOf(this.codec.encode(m));
      const batch = RECORD_BATCH_OVERHEAD_BYTES + recordBytesInBatch(message.tailBytes);
      this.largestBatch = Math.max(this.largestBatch, batch);
    }
    this.log.push(...mutations);
  }
}

function encodingEngine(limits = {}): ReturnType<typeof newEngine> & { log: EncodingSink } {
  const log = new EncodingSink();
  return { ...newEngine({ sink: log, limits }), log };
}

function picture(engine: ReturnType<typeof newEngine>['engine']): unknown[] {
  return [...engine.entries()].map((e) => [e.type, e.id, e.version, e.leaseExpiresAt]);
}

describe('lease bounds (issue 16, item 1): integer ms from 1 ms to 10 years, or forever', () => {
  const bad = [0.5, 1e300, -1, NaN, 0, 1.000001, MAX_LEASE_MS + 1, -Infinity];

  it.each(bad)(
    'a write with lease %p is refused with InvalidArgumentError; nothing applied or logged',
    async (lease) => {
      const { engine, log } = encodingEngine();
      await engine.write('Order', order('o1'));
      const before = picture(engine);
      await expect(engine.write('Order', order('o2'), { lease })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      await expect(engine.write('Order', order('o1'), { lease })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      expect(picture(engine)).toEqual(before);
      expect(await engine.read('Order', { id: 'o2' })).toBeNull();
      expect(log.log).toHaveLength(1);
      // The partition goes on: the next writes are applied and logged.
      expect((await engine.write('Order', order('o2'), { lease: 1000 })).version).toBe(1);
      expect((await engine.write('Order', order('o1'))).version).toBe(2);
      expect(log.log.map((m) => m.op)).toEqual(['WRITE', 'WRITE', 'UPDATE']);
    },
  );

  it.each(bad)('renew and change with lease %p are refused the same way', async (lease) => {
    const { engine, log } = encodingEngine();
    await engine.write('Order', order('o1'));
    await expect(engine.renew('Order', 'o1', lease)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(
      engine.change('Order', { id: 'o1' }, [{ op: 'set', path: 'status', value: 'PAID' }], { lease }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(log.log).toHaveLength(1);
    expect((await engine.renew('Order', 'o1', 5)).version).toBe(2);
  });

  it('accepts 1 ms, 10 years and Infinity, and each encodes', async () => {
    const { engine, clock, log } = encodingEngine();
    expect((await engine.write('Order', order('a'), { lease: 1 })).leaseExpiresAt).toBe(clock.now + 1);
    const decade = await engine.write('Order', order('b'), { lease: MAX_LEASE_MS });
    expect(decade.leaseExpiresAt).toBe(clock.now + MAX_LEASE_MS);
    expect((await engine.write('Order', order('c'), { lease: Infinity })).leaseExpiresAt).toBeNull();
    expect(log.log).toHaveLength(3);
  });

  it('a mutation whose numbers the log cannot hold is refused when built, before it is applied', () => {
    const ctx = { now: 1_700_000_000_000, origin: 'pu' };
    expect(() => buildMutation('WRITE', 'Order', 'o', 1, 0.5, {}, ctx)).toThrow(InvalidArgumentError);
    expect(() => buildMutation('WRITE', 'Order', 'o', 1, 1e300, {}, ctx)).toThrow(InvalidArgumentError);
    expect(() => buildMutation('WRITE', 'Order', 'o', 1.5, null, {}, ctx)).toThrow(InvalidArgumentError);
    // A clock that reads fractional ms (performance.now-like) is refused too, not logged.
    expect(() => buildMutation('WRITE', 'Order', 'o', 1, null, {}, { ...ctx, now: 1.25 })).toThrow(
      InvalidArgumentError,
    );
    expect(buildMutation('TAKE', 'Order', 'o', 3, 42, null, ctx).leaseExpiresAt).toBe(42);
  });
});

describe('record size (issue 16, item 4): the whole record counts, not the entry alone', () => {
  /** An order whose encoding is exactly `bytes` (its note padded to fit). */
  function orderOfSize(id: string, bytes: number): Record<string, unknown> {
    const type = exampleTypes().require('Order');
    const base = order(id, { note: '' });
    const baseSize = type.encodedSize(type.validate(base));
    for (let pad = bytes - baseSize; pad >= bytes - baseSize - 4; pad--) {
      const candidate = order(id, { note: 'x'.repeat(pad) });
      if (type.encodedSize(type.validate(candidate)) === bytes) return candidate;
    }
    throw new Error(`no order of ${bytes} bytes`);
  }

  it('regression: an engine given maxRecordBytes without a record sizer is refused, not left unchecked', () => {
    expect(() => newEngine({ limits: { maxRecordBytes: 4000 } })).toThrow(InvalidArgumentError);
    expect(() =>
      newEngine({ limits: { maxRecordBytes: 4000, recordBytes: maxRecordBatchBytes } }),
    ).not.toThrow();
  });

  it('an entry just under maxEntryBytes whose record would pass maxRecordBytes gets EntryTooLargeError, and the next writes succeed', async () => {
    const limits = { maxEntryBytes: 4000, maxRecordBytes: 4000, recordBytes: maxRecordBatchBytes };
    const { engine, log } = encodingEngine(limits);
    await engine.write('Order', order('o1'));
    const before = picture(engine);
    const error = await engine.write('Order', orderOfSize('big', 3990)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EntryTooLargeError);
    expect(error).toMatchObject({ limit: 4000, limitName: 'maxRecordBytes', entryId: 'big' });
    expect((error as Error).message).toMatch(/maxRecordBytes/);
    expect(picture(engine)).toEqual(before);
    expect(log.log).toHaveLength(1);
    // An update over the limit is refused the same way.
    await expect(
      engine.change('Order', { id: 'o1' }, [{ op: 'set', path: 'note', value: 'y'.repeat(3900) }]),
    ).rejects.toMatchObject({ name: 'EntryTooLargeError', limitName: 'maxRecordBytes' });
    expect((await engine.write('Order', order('o2'))).version).toBe(1);
    expect(log.log).toHaveLength(2);
  });

  it('the largest entry it accepts makes a record that fits maxRecordBytes, however it is later renewed', async () => {
    const limits = { maxEntryBytes: 1_000_000, maxRecordBytes: 4000, recordBytes: maxRecordBatchBytes };
    const { engine, log } = encodingEngine(limits);
    let size = 3990;
    let accepted = 0;
    for (; size > 3000; size--) {
      const result = await engine.write('Order', orderOfSize(`o${size}`, size)).catch(() => undefined);
      if (result !== undefined) {
        accepted = size;
        break;
      }
    }
    expect(accepted).toBeGreaterThan(3700); // the framing costs a few hundred bytes, not more
    await engine.renew('Order', `o${accepted}`, MAX_LEASE_MS);
    await engine.write('Order', orderOfSize(`o${accepted}`, accepted), { lease: MAX_LEASE_MS });
    expect(log.log).toHaveLength(3);
    expect(log.largestBatch).toBeLessThanOrEqual(4000);
  });

  it('the limit names maxEntryBytes when the entry itself is over it', async () => {
    const { engine } = encodingEngine({ maxEntryBytes: 1000 });
    await expect(engine.write('Order', order('o9', { note: 'x'.repeat(2000) }))).rejects.toMatchObject({
      name: 'EntryTooLargeError',
      limit: 1000,
      limitName: 'maxEntryBytes',
    });
  });
});
