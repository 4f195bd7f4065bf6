import { InvalidArgumentError } from '../../../src/errors';
import {
  NOTIFY_DEFAULTS,
  notifyBackoffMs,
  resolveNotifyOptions,
  type NotifyContainerOptions,
} from '../../../src/events/NotifyOptions';
import { notifyGroupId, notifyTransactionalId } from '../../../src/log/admin/topicNames';

const handler = async (): Promise<void> => undefined;
const base: NotifyContainerOptions = { name: 'totals', type: 'Order', handler };
const resolve = (extra: Record<string, unknown>) =>
  resolveNotifyOptions({ ...base, ...extra } as NotifyContainerOptions);

describe('notify container options', () => {
  it('applies the defaults', () => {
    const resolved = resolveNotifyOptions(base);
    expect(resolved).toMatchObject({
      name: 'totals',
      type: 'Order',
      batchSize: NOTIFY_DEFAULTS.batchSize,
      batchTimeMs: NOTIFY_DEFAULTS.batchTimeMs,
      maxBufferedEvents: NOTIFY_DEFAULTS.maxBufferedEvents,
      startAt: 'earliest',
      fetchMaxBytes: NOTIFY_DEFAULTS.fetchMaxBytes,
      retry: { initialBackoffMs: 100, maxBackoffMs: 10_000, multiplier: 2, maxAttempts: 10 },
    });
    expect([...resolved.ops].sort()).toEqual(['EXPIRE', 'TAKE', 'UPDATE', 'WRITE']);
  });

  it('keeps 0 where 0 is meant (?? not ||)', () => {
    expect(resolve({ batchTimeMs: 0 }).batchTimeMs).toBe(0);
    expect(resolve({ retry: { initialBackoffMs: 0, maxBackoffMs: 0 } }).retry).toMatchObject({
      initialBackoffMs: 0,
      maxBackoffMs: 0,
    });
  });

  it('the default onError keeps retrying: nothing is skipped unless the user says so', async () => {
    expect(await resolveNotifyOptions(base).onError({} as never, [])).toBe('retry');
  });

  it('raises the read-ahead bound to at least one batch', () => {
    expect(resolve({ batchSize: 20_000 }).maxBufferedEvents).toBe(20_000);
    expect(() => resolve({ batchSize: 10, maxBufferedEvents: 5 })).toThrow(/maxBufferedEvents/);
  });

  it.each([
    ['a name with a dot', { name: 'a.b' }, /name/],
    ['an empty name', { name: '' }, /name/],
    ['a missing handler', { handler: undefined }, /handler/],
    ['a template and a query', { template: {}, query: 'total > 1' }, /not both/],
    ['a template without a type', { type: undefined, template: {} }, /needs a type/],
    ['params without a query', { params: [1] }, /params without a query/],
    ['an unknown op', { ops: ['WRITE', 'DELETE'] }, /ops/],
    ['no ops', { ops: [] }, /ops/],
    ['batchSize 0', { batchSize: 0 }, /batchSize/],
    ['a fractional batchTimeMs', { batchTimeMs: 1.5 }, /batchTimeMs/],
    ['an unknown startAt', { startAt: 'now' }, /startAt/],
    ['an unknown key', { batchsize: 3 }, /unknown notify container option 'batchsize'/],
    ['an unknown retry key', { retry: { attempts: 3 } }, /unknown notify container retry option/],
    [
      'maxBackoffMs under initialBackoffMs',
      { retry: { initialBackoffMs: 50, maxBackoffMs: 10 } },
      /maxBackoffMs/,
    ],
    ['maxAttempts 0', { retry: { maxAttempts: 0 } }, /maxAttempts/],
    ['a multiplier under 1', { retry: { multiplier: 0.5 } }, /multiplier/],
  ])('refuses %s', (_what, extra, message) => {
    expect(() => resolve(extra)).toThrow(InvalidArgumentError);
    expect(() => resolve(extra)).toThrow(message);
  });
});

describe('notify backoff', () => {
  const retry = { initialBackoffMs: 100, maxBackoffMs: 1000, multiplier: 2, maxAttempts: 10 };

  it('grows exponentially and stops at the cap, between half and all of it', () => {
    const low = (n: number) => notifyBackoffMs(n, retry, () => 0);
    const high = (n: number) => notifyBackoffMs(n, retry, () => 1);
    expect([1, 2, 3, 4, 5, 50].map(high)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5, 50].map(low)).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('never waits when told not to', () => {
    expect(notifyBackoffMs(7, { ...retry, initialBackoffMs: 0, maxBackoffMs: 0 })).toBe(0);
  });
});

describe('notify position names', () => {
  it('one consumer group per container, one transactional writer per (container, partition)', () => {
    expect(notifyGroupId('prod', 'orders', 'totals')).toBe('spacelog.prod.orders.notify.totals');
    expect(notifyTransactionalId('prod', 'orders', 'totals', 3)).toBe('spacelog.prod.orders.notify.totals.3');
  });
});
