import {
  formatTailLine,
  matchesTypeFilter,
  partitionTopicsOf,
  toJsonValue,
} from '../../../src/console/tailFormat';
import type { Mutation } from '../../../src/space/Mutation';

describe('partitionTopicsOf (tail topic discovery)', () => {
  it('keeps exactly <prefix>.<space>.<digits>, ordered by partition', () => {
    const topics = [
      'spacelog.orders.10',
      'spacelog.orders.2',
      'spacelog.orders.0',
      'spacelog.__schemas',
      'spacelog.orders-eu.1', // another space
      'spacelog.orders.1x', // not a partition number
      'spacelog.orders.01', // not canonical
      'spacelog.orders.', // no number
      'spacelog.orders.1.dlq', // something else
      'other.orders.3', // another prefix
      'spacelog.ordersx.4',
      '__consumer_offsets',
    ];
    expect(partitionTopicsOf(topics, 'spacelog', 'orders')).toEqual([
      { topic: 'spacelog.orders.0', partition: 0 },
      { topic: 'spacelog.orders.2', partition: 2 },
      { topic: 'spacelog.orders.10', partition: 10 },
    ]);
  });

  it('treats dots in the prefix literally (a prefix is not a pattern)', () => {
    expect(partitionTopicsOf(['a.b.orders.0', 'aXb.orders.1'], 'a.b', 'orders')).toEqual([
      { topic: 'a.b.orders.0', partition: 0 },
    ]);
  });

  it('finds nothing when the space has no topics', () => {
    expect(partitionTopicsOf(['spacelog.crm.0'], 'spacelog', 'orders')).toEqual([]);
  });
});

describe('formatTailLine', () => {
  const base: Mutation = {
    op: 'WRITE',
    type: 'Customer',
    id: 'c-1',
    version: 1,
    leaseExpiresAt: 1_700_000_060_000,
    timestamp: 1_700_000_000_000,
    origin: 'host:42',
    state: { id: 'c-1', name: 'Ann', tags: ['a'] },
  };

  it('prints the fields in a fixed order, with the full state', () => {
    expect(formatTailLine(3, 17, base)).toBe(
      '{"partition":3,"offset":17,"op":"WRITE","type":"Customer","id":"c-1","version":1,' +
        '"leaseExpiresAt":1700000060000,"timestamp":1700000000000,"origin":"host:42",' +
        '"state":{"id":"c-1","name":"Ann","tags":["a"]}}',
    );
  });

  it('prints a tombstone with state null', () => {
    const line = JSON.parse(
      formatTailLine(0, 5, { ...base, op: 'TAKE', state: null, leaseExpiresAt: null }),
    ) as Record<string, unknown>;
    expect(line).toMatchObject({ op: 'TAKE', state: null, leaseExpiresAt: null, offset: 5 });
  });

  it('toJsonValue spells bytes as base64 and bigints as strings, deeply', () => {
    expect(
      toJsonValue({ b: Buffer.from('hi'), n: 10n, list: [Buffer.from([0xff])], when: new Date(5) }),
    ).toEqual({
      b: 'aGk=',
      n: '10',
      list: ['/w=='],
      when: 5,
    });
    expect(toJsonValue(undefined)).toBeNull();
    expect(toJsonValue('x')).toBe('x');
  });

  it('matchesTypeFilter keeps everything without a filter and exact type names with one', () => {
    expect(matchesTypeFilter({ type: 'Order' }, undefined)).toBe(true);
    expect(matchesTypeFilter({ type: 'Order' }, 'Order')).toBe(true);
    expect(matchesTypeFilter({ type: 'Order' }, 'order')).toBe(false);
    expect(matchesTypeFilter({ type: 'OrderLine' }, 'Order')).toBe(false);
  });
});
