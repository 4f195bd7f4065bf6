import '../disposeSymbols';
import { InvalidArgumentError, WatchOverflowError, type SpacelogError } from '../errors';
import type { MutationOp } from '../space/Mutation';
import { ALL, type Selector } from '../space/Selector';

/** How many events a watch holds for a reader that is behind before it ends with WatchOverflowError. */
export const DEFAULT_WATCH_MAX_BUFFERED = 10_000;

/** Options of `space.watch`. */
export interface WatchOptions {
  /** Which entries (id, template or query); default every entry of the type. */
  readonly selector?: Selector;
  /** Only these kinds of mutation; default all. */
  readonly ops?: readonly MutationOp[];
  /** Ends the watch: the loop reading it finishes (no error), and it unsubscribes. */
  readonly signal?: AbortSignal;
  /**
   * Most events held for a reader that is behind; one more ends the watch with WatchOverflowError
   * after the held events (default {@link DEFAULT_WATCH_MAX_BUFFERED}).
   */
  readonly maxBuffered?: number;
}

/**
 * Committed mutations as an async iterator (`for await (const event of space.watch('Order'))`).
 * It subscribes as it is created; `ready` resolves once the subscription is registered at every
 * partition (mutations committed before that may be missed). It ends, unsubscribing, on `break`
 * (`return()`), on its signal, or with `await using`. A reader that falls `maxBuffered` events behind
 * gets the events held, then WatchOverflowError: nothing is dropped silently. An end from the other
 * side (a remote server's SubscriptionOverflowError, a closed client) comes the same way.
 */
export interface SpaceWatch<E> extends AsyncIterableIterator<E>, AsyncDisposable {
  /** Resolves once the subscription is registered; rejects with why it could not be. */
  readonly ready: Promise<void>;
  /** Ends the watch and unsubscribes; a pending `next()` answers done. Idempotent. */
  return(): Promise<IteratorResult<E, undefined>>;
}

/** Registers a listener and an end callback; resolves to the unsubscribe function. */
export type WatchSubscribe<E> = (
  listener: (event: E) => void,
  onEnd: (error: SpacelogError) => void,
) => Promise<() => void>;

/**
 * A space's `watch` over its own `subscribe`: the selector (default every entry), the ops and the end
 * of the subscription as `WatchOptions` name them. @internal
 */
export function watchSubscription<E>(
  subscribe: (
    selector: Selector,
    listener: (event: E) => void,
    options: { readonly onEnd: (error: SpacelogError) => void; readonly ops?: readonly MutationOp[] },
  ) => Promise<() => void>,
  options: WatchOptions,
): SpaceWatch<E> {
  return watchEvents<E>(
    (listener, onEnd) =>
      subscribe(options.selector ?? ALL, listener, {
        onEnd,
        ...(options.ops !== undefined ? { ops: options.ops } : {}),
      }),
    options,
  );
}

/** Builds a {@link SpaceWatch} over a subscribe function (each Space's `subscribe`). @internal */
export function watchEvents<E>(subscribe: WatchSubscribe<E>, options: WatchOptions = {}): SpaceWatch<E> {
  return new EventWatch(subscribe, options);
}

interface Waiter<E> {
  readonly resolve: (result: IteratorResult<E, undefined>) => void;
  readonly reject: (error: unknown) => void;
}

const DONE = Object.freeze({ done: true, value: undefined }) as IteratorResult<never, undefined>;

/** A bounded queue between a push listener and a pull reader. */
class EventWatch<E> implements SpaceWatch<E> {
  readonly ready: Promise<void>;
  private readonly limit: number;
  private readonly queue: E[] = [];
  private head = 0;
  private waiters: Waiter<E>[] = [];
  /** Set once the watch stopped listening: what the reader gets after the held events (undefined: done). */
  private stopped: { readonly error: unknown } | undefined;
  private readonly subscription: Promise<() => void>;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = (): void => void this.return();

  constructor(subscribe: WatchSubscribe<E>, options: WatchOptions) {
    this.limit = options.maxBuffered ?? DEFAULT_WATCH_MAX_BUFFERED;
    // 0, a negative number or NaN would leave the buffer unbounded.
    if (!Number.isInteger(this.limit) || this.limit < 1) {
      throw new InvalidArgumentError(`maxBuffered must be a whole number from 1, got ${String(this.limit)}`);
    }
    const signal = options.signal;
    if (signal?.aborted) {
      this.stopped = { error: undefined };
      this.subscription = Promise.resolve(() => undefined);
    } else {
      signal?.addEventListener('abort', this.onAbort, { once: true });
      this.subscription = subscribe(
        (event) => this.push(event),
        (error) => this.stop(error),
      );
    }
    this.ready = this.subscription.then(() => undefined);
    // Whoever does not await `ready` hears a failed subscribe from next() instead.
    this.ready.catch((error: unknown) => this.stop(error));
    this.signal = signal;
  }

  next(): Promise<IteratorResult<E, undefined>> {
    if (this.head < this.queue.length) return Promise.resolve({ done: false, value: this.take() });
    if (this.stopped !== undefined) {
      const { error } = this.stopped;
      if (error === undefined) return Promise.resolve(DONE);
      this.stopped = { error: undefined }; // the error once, then done
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<E, undefined>> {
    // Held events are dropped: the reader asked to stop.
    this.queue.length = 0;
    this.head = 0;
    this.stop(undefined);
    this.stopped = { error: undefined };
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): SpaceWatch<E> {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  private push(event: E): void {
    if (this.stopped !== undefined) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ done: false, value: event });
      return;
    }
    if (this.queue.length - this.head >= this.limit) {
      this.stop(new WatchOverflowError(this.limit));
      return;
    }
    this.queue.push(event);
  }

  private take(): E {
    const event = this.queue[this.head] as E;
    this.head++;
    // Compact now and then rather than shift() each time (O(n) per event on a long queue).
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return event;
  }

  /** Stops listening (once); `error` is what the reader gets after the held events. */
  private stop(error: unknown): void {
    if (this.stopped !== undefined) return;
    this.stopped = { error };
    this.signal?.removeEventListener('abort', this.onAbort);
    this.subscription.then(
      (unsubscribe) => unsubscribe(),
      () => undefined,
    );
    // Waiters exist only while the queue is empty: they get the end now.
    const waiters = this.waiters;
    this.waiters = [];
    let pending = error;
    for (const waiter of waiters) {
      if (pending === undefined) waiter.resolve(DONE);
      else {
        waiter.reject(pending);
        pending = undefined;
        this.stopped = { error: undefined };
      }
    }
  }
}
