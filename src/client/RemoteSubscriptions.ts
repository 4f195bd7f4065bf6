import { ClientClosedError, isRetriable } from '../errors';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { MutationOp } from '../space/Mutation';
import type { Selector } from '../space/Selector';
import type { SpaceListener } from '../space/SubscriptionHub';
import { decodeEntry } from '../net/entryCodec';
import { ANY_PARTITION, type EventFrame, type ResponseFrame, type WireOp } from '../net/protocol';
import { retry, type RetryPolicy } from './Retrier';

/** A remote call as RemoteSpace runs it (with routing to the endpoint and retries). @internal */
export interface SubscriptionCall {
  readonly op: WireOp;
  readonly type: string;
  readonly partition: number;
  readonly args: Record<string, unknown>;
  readonly safety: 'idempotent';
  readonly options: Record<string, never>;
  readonly onId?: (id: number) => void;
}

interface Subscription {
  readonly type: string;
  readonly selector: Selector;
  readonly listener: SpaceListener;
  readonly ops: readonly MutationOp[] | undefined;
  readonly endpoint: string;
  /** The SUBSCRIBE request id on the current connection; events carry it. */
  remoteId: number | undefined;
  active: boolean;
}

/**
 * The client's subscriptions: routes event frames to listeners by (endpoint, subscription id),
 * and renews every subscription of an endpoint whose connection was lost (in the background,
 * retrying with backoff until it succeeds, the subscription is dropped, or the client closes).
 * @internal
 */
export class RemoteSubscriptions {
  private readonly byRemote = new Map<string, Subscription>();
  private readonly all = new Set<Subscription>();
  private readonly stopped = new AbortController();

  constructor(
    private readonly policy: RetryPolicy,
    private readonly send: (call: SubscriptionCall) => Promise<ResponseFrame>,
  ) {}

  async add(
    endpoint: string,
    type: string,
    selector: Selector,
    listener: SpaceListener,
    ops: readonly MutationOp[] | undefined,
  ): Promise<() => void> {
    if (this.stopped.signal.aborted) throw new ClientClosedError();
    const subscription: Subscription = {
      type,
      selector,
      listener,
      ops,
      endpoint,
      remoteId: undefined,
      active: true,
    };
    this.all.add(subscription);
    try {
      await this.open(subscription);
    } catch (error) {
      this.drop(subscription);
      throw error;
    }
    return () => {
      if (!subscription.active) return;
      const remoteId = subscription.remoteId;
      this.drop(subscription);
      if (remoteId !== undefined && !this.stopped.signal.aborted) {
        // Fire and forget: a lost connection ends the server side anyway.
        this.send({
          op: 'UNSUBSCRIBE',
          type,
          partition: ANY_PARTITION,
          args: { subscription: remoteId },
          safety: 'idempotent',
          options: {},
        }).catch(() => undefined);
      }
    };
  }

  /** Hands an event frame to its listener. */
  deliver(endpoint: string, event: EventFrame, types: TypeRegistry | undefined): void {
    const subscription = this.byRemote.get(`${endpoint}#${event.subscription}`);
    const type = types?.get(event.type);
    if (!subscription?.active || !type) return;
    subscription.listener({
      op: event.op,
      type: event.type,
      id: event.id,
      version: event.version,
      leaseExpiresAt: event.leaseExpiresAt,
      entry: decodeEntry(type, event.entry),
    });
  }

  /** The connection to an endpoint is gone: renew its subscriptions on a new one. */
  lost(endpoint: string): void {
    for (const subscription of this.all) {
      if (subscription.endpoint !== endpoint || !subscription.active) continue;
      this.forget(subscription);
      retry(
        this.policy,
        {
          deadline: Infinity,
          signal: this.stopped.signal,
          retriable: (e) => subscription.active && isRetriable(e),
        },
        () => (subscription.active ? this.open(subscription) : Promise.resolve()),
      ).catch(() => undefined);
    }
  }

  close(): void {
    this.stopped.abort();
    for (const subscription of this.all) subscription.active = false;
    this.all.clear();
    this.byRemote.clear();
  }

  private async open(subscription: Subscription): Promise<void> {
    await this.send({
      op: 'SUBSCRIBE',
      type: subscription.type,
      partition: ANY_PARTITION,
      args: { selector: subscription.selector, ...(subscription.ops ? { ops: subscription.ops } : {}) },
      safety: 'idempotent',
      options: {},
      // Registered before the request leaves: events may arrive before its answer.
      onId: (id: number) => {
        this.forget(subscription);
        subscription.remoteId = id;
        this.byRemote.set(`${subscription.endpoint}#${id}`, subscription);
      },
    });
  }

  private forget(subscription: Subscription): void {
    if (subscription.remoteId !== undefined)
      this.byRemote.delete(`${subscription.endpoint}#${subscription.remoteId}`);
    subscription.remoteId = undefined;
  }

  private drop(subscription: Subscription): void {
    subscription.active = false;
    this.forget(subscription);
    this.all.delete(subscription);
  }
}
