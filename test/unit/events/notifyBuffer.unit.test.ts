import { NotifyBuffer } from '../../../src/events/NotifyBuffer';
import type { NotifyEvent } from '../../../src/events/NotifyOptions';
import { toEvent } from '../../../src/events/NotifyPartition';

function event(offset: number): NotifyEvent {
  return toEvent(
    2,
    {
      op: 'WRITE',
      type: 'Order',
      id: `o${offset}`,
      version: 1,
      leaseExpiresAt: null,
      timestamp: 5,
      origin: 'pu',
      state: { id: `o${offset}` },
    },
    offset,
  );
}

describe('notify buffer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('an event carries its partition:offset id and what the mutation carries', () => {
    expect(event(41)).toEqual({
      id: '2:41',
      partition: 2,
      offset: 41,
      op: 'WRITE',
      type: 'Order',
      entryId: 'o41',
      version: 1,
      leaseExpiresAt: null,
      timestamp: 5,
      origin: 'pu',
      entry: { id: 'o41' },
    });
  });

  it('a full batch is ready at once; batches keep log order and never exceed batchSize', async () => {
    const buffer = new NotifyBuffer(3, 1000);
    for (let i = 0; i < 7; i++) buffer.push(event(i));
    await expect(buffer.next(5000)).resolves.toBe('batch');
    expect(buffer.take().map((e) => e.offset)).toEqual([0, 1, 2]);
    expect(buffer.take().map((e) => e.offset)).toEqual([3, 4, 5]);
    expect(buffer.first()?.offset).toBe(6);
    expect(buffer.size).toBe(1);
  });

  it('a partial batch is ready batchTimeMs after its first event', async () => {
    const buffer = new NotifyBuffer(10, 50);
    let result: string | undefined;
    void buffer.next(5000).then((r) => (result = r));
    buffer.push(event(1));
    await jest.advanceTimersByTimeAsync(49);
    expect(result).toBeUndefined();
    buffer.push(event(2));
    await jest.advanceTimersByTimeAsync(1);
    expect(result).toBe('batch');
    expect(buffer.take()).toHaveLength(2);
  });

  it('a batch filling up ends the wait before the timer', async () => {
    const buffer = new NotifyBuffer(2, 10_000);
    const next = buffer.next(60_000);
    buffer.push(event(1));
    buffer.push(event(2));
    await expect(next).resolves.toBe('batch');
  });

  it('an empty buffer reports idle after idleMs, and interrupt() wakes a waiter', async () => {
    const buffer = new NotifyBuffer(2, 10);
    const idle = buffer.next(1000);
    await jest.advanceTimersByTimeAsync(1000);
    await expect(idle).resolves.toBe('idle');
    const waiting = buffer.next(1000);
    buffer.interrupt();
    await expect(waiting).resolves.toBe('interrupted');
  });

  it('does not keep taken events (compacts as it goes)', () => {
    const buffer = new NotifyBuffer(100, 10);
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) buffer.push(event(round * 100 + i));
      expect(buffer.take()[0]?.offset).toBe(round * 100);
    }
    expect(buffer.size).toBe(0);
    expect((buffer as unknown as { events: unknown[] }).events.length).toBeLessThanOrEqual(1024 + 100);
  });
});
