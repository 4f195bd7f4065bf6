import {
  InvalidArgumentError,
  SubscriptionOverflowError,
  WatchOverflowError,
  type SpacelogError,
} from '../../../src/errors';
import { watchEvents, type WatchSubscribe } from '../../../src/api/watchIterable';

/** A subscription the test drives by hand: what it registered, and whether it was undone. */
class FakeSubscription {
  listener: ((event: number) => void) | undefined;
  onEnd: ((error: SpacelogError) => void) | undefined;
  unsubscribed = 0;
  constructor(private readonly failWith?: Error) {}
  readonly subscribe: WatchSubscribe<number> = (listener, onEnd) => {
    if (this.failWith) return Promise.reject(this.failWith);
    this.listener = listener;
    this.onEnd = onEnd;
    return Promise.resolve(() => {
      this.unsubscribed++;
    });
  };
  emit(...events: number[]): void {
    for (const e of events) this.listener!(e);
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('watchEvents', () => {
  it('refuses a maxBuffered that would leave the buffer unbounded', () => {
    for (const maxBuffered of [0, -1, Number.NaN, 1.5]) {
      expect(() => watchEvents(async () => () => undefined, { maxBuffered })).toThrow(InvalidArgumentError);
    }
  });

  it('hands out events in order, held ones and ones that arrive while the reader waits', async () => {
    const sub = new FakeSubscription();
    const watch = watchEvents(sub.subscribe);
    await watch.ready;
    sub.emit(1, 2);
    const seen: number[] = [];
    for await (const event of watch) {
      seen.push(event);
      if (event === 2) setImmediate(() => sub.emit(3));
      if (event === 3) break;
    }
    expect(seen).toEqual([1, 2, 3]);
    await flush();
    expect(sub.unsubscribed).toBe(1); // break called return()
    await expect(watch.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('ends the loop without an error when its signal aborts, and unsubscribes', async () => {
    const sub = new FakeSubscription();
    const controller = new AbortController();
    const watch = watchEvents(sub.subscribe, { signal: controller.signal });
    await watch.ready;
    const loop = (async () => {
      const seen: number[] = [];
      for await (const event of watch) seen.push(event);
      return seen;
    })();
    sub.emit(7);
    await flush();
    controller.abort();
    await expect(loop).resolves.toEqual([7]);
    await flush();
    expect(sub.unsubscribed).toBe(1);
    sub.emit(8); // after the end: not held
    await expect(watch.next()).resolves.toMatchObject({ done: true });
  });

  it('with an already aborted signal, never subscribes', async () => {
    const subscribe = jest.fn<ReturnType<WatchSubscribe<number>>, Parameters<WatchSubscribe<number>>>();
    const watch = watchEvents(subscribe, { signal: AbortSignal.abort() });
    await watch.ready;
    await expect(watch.next()).resolves.toMatchObject({ done: true });
    expect(subscribe).not.toHaveBeenCalled();
  });

  it('a reader maxBuffered events behind gets the held events, then WatchOverflowError, then done', async () => {
    const sub = new FakeSubscription();
    const watch = watchEvents(sub.subscribe, { maxBuffered: 3 });
    await watch.ready;
    sub.emit(1, 2, 3, 4, 5);
    await flush();
    expect(sub.unsubscribed).toBe(1); // it stopped listening at the overflow
    const seen: number[] = [];
    let failure: unknown;
    try {
      for await (const event of watch) seen.push(event);
    } catch (error) {
      failure = error;
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(failure).toBeInstanceOf(WatchOverflowError);
    expect(failure).toMatchObject({ code: 'WATCH_OVERFLOW', limit: 3, retriable: false });
    await expect(watch.next()).resolves.toMatchObject({ done: true });
  });

  it('an end from the other side comes after the held events, to a waiting reader too', async () => {
    const sub = new FakeSubscription();
    const watch = watchEvents(sub.subscribe);
    await watch.ready;
    sub.emit(1);
    await expect(watch.next()).resolves.toEqual({ done: false, value: 1 });
    const waiting = watch.next();
    sub.onEnd!(new SubscriptionOverflowError(1024));
    await expect(waiting).rejects.toBeInstanceOf(SubscriptionOverflowError);
    await expect(watch.next()).resolves.toMatchObject({ done: true });
  });

  it('a subscribe that fails rejects ready and the first next()', async () => {
    const refused = new Error('no such type');
    const watch = watchEvents(new FakeSubscription(refused).subscribe);
    await expect(watch.ready).rejects.toBe(refused);
    await expect(watch.next()).rejects.toBe(refused);
    await expect(watch.next()).resolves.toMatchObject({ done: true });
  });

  it('is disposed by await using (unsubscribes), and return() before the subscription settles undoes it', async () => {
    const sub = new FakeSubscription();
    {
      await using watch = watchEvents(sub.subscribe);
      await watch.ready;
      sub.emit(1);
    }
    await flush();
    expect(sub.unsubscribed).toBe(1);

    const early = new FakeSubscription();
    const watch = watchEvents(early.subscribe);
    await watch.return(); // before ready
    await watch.ready;
    await flush();
    expect(early.unsubscribed).toBe(1);
  });

  it('keeps order across the queue compaction of a long backlog', async () => {
    const sub = new FakeSubscription();
    const watch = watchEvents(sub.subscribe, { maxBuffered: 5000 });
    await watch.ready;
    const events = Array.from({ length: 5000 }, (_, i) => i);
    sub.emit(...events);
    const seen: number[] = [];
    for (let i = 0; i < 3000; i++) seen.push((await watch.next()).value as number);
    sub.emit(5000, 5001);
    for await (const event of watch) {
      seen.push(event);
      if (event === 5001) break;
    }
    expect(seen).toEqual([...events, 5000, 5001]);
  });
});
