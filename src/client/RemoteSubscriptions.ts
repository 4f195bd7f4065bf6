import { ClientClosedError, isRetriable, type SpacelogError } from '../errors';
import { defaultLogger } from '../ops/logging/createLogger';
import { reportListenerError, type ListenerErrorHandler } from '../ops/logging/listenerErrors';
import { fromWireError } from '../net/errorCodec';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { MutationOp } from '../space/Mutation';
import type { Selector } from '../space/Selector';
import type { SpaceListener } from '../space/SubscriptionHub';
import { decodeEntry } from '../net/entryCodec';
import {
  ANY_PARTITION,
  type EndFrame,
  type EventFrame,
  type ResponseFrame,
  type WireOp,
} from '../net/protocol';
import type { PartitionMap } from './PartitionMap';
import { SeveralEndpointsSignal } from './RemoteCall';
import { clientBackoff, type RetryPolicy } from './RetryPolicy';
import { retry } from '../retry/Retrier';

/** A remote call as RemoteSpace runs it (with routing to the endpoint and retries). @internal */
export interface SubscriptionCall {
  readonly op: WireOp;
  readonly type: string;
  readonly partition: number;
  readonly args: Record<string, unknown>;
  readonly safety: 'idempotent';
  readonly options: Record<string, never>;
  readonly onId?: (id: number, endpoint: string) => void;
}

/** What the subscriptions need from the client. @internal */
export interface SubscriptionHooks {
  readonly policy: RetryPolicy;
  /** Sends a call to its partition's primary (ANY_PARTITION: the one server of every partition). */
  readonly send: (call: SubscriptionCall) => Promise<ResponseFrame>;
  /** The current partition map. */
  readonly map: () => PartitionMap;
  /** Ends a registration on the server holding it, if still connected (fire and forget). */
  readonly unsubscribeAt: (endpoint: string, remoteId: number, type: string) => void;
  /** Told of a listener's throw (the client logs it); default: the process's default logger. */
  readonly onListenerError?: ListenerErrorHandler;
}

/**
 * One server-side registration of a subscription: for one partition at its primary, or for every
 * partition (ANY_PARTITION) when one server serves them all.
 */
interface Leg {
  readonly partition: number;
  /** Where the registration lives, and its SUBSCRIBE request id there (events carry it). */
  endpoint: string | undefined;
  remoteId: number | undefined;
  /** A SUBSCRIBE (with its retries) is under way. */
  opening: boolean;
  /** False once the map no longer wants this leg, or the subscription ended. */
  wanted: boolean;
}

interface Subscription {
  readonly type: string;
  readonly selector: Selector;
  readonly listener: SpaceListener;
  readonly ops: readonly MutationOp[] | undefined;
  readonly onEnd: ((error: SpacelogError) => void) | undefined;
  readonly legs: Map<number, Leg>;
  active: boolean;
}

/**
 * The client's subscriptions. Each is registered where the map says: once at the server of every
 * partition, or once per partition at its primary. Event frames are routed to listeners by
 * (endpoint, request id). When a connection is lost or the map changes, the legs that lost their
 * server or whose primary moved are registered again at the right endpoint, in the background,
 * retrying with backoff until it works, the subscription ends, or the client closes; the old
 * registration is dropped first, so no event is heard twice, and mutations committed in between
 * are not replayed.
 * @internal
 */
export class RemoteSubscriptions {
  private readonly byRemote = new Map<string, { subscription: Subscription; leg: Leg }>();
  private readonly all = new Set<Subscription>();
  private readonly stopped = new AbortController();

  private readonly listenerError: ListenerErrorHandler;

  constructor(private readonly hooks: SubscriptionHooks) {
    this.listenerError =
      hooks.onListenerError ?? reportListenerError(defaultLogger().child({ component: 'client' }), undefined);
  }

  /** Open subscriptions. */
  get size(): number {
    return this.all.size;
  }

  async add(
    type: string,
    selector: Selector,
    listener: SpaceListener,
    ops: readonly MutationOp[] | undefined,
    onEnd?: (error: SpacelogError) => void,
  ): Promise<() => void> {
    if (this.stopped.signal.aborted) throw new ClientClosedError();
    const subscription: Subscription = {
      type,
      selector,
      listener,
      ops,
      onEnd,
      legs: new Map(),
      active: true,
    };
    this.all.add(subscription);
    try {
      // A map that changes under the first registration (one server became several) is planned again.
      for (let round = 1; ; round++) {
        const failed = (
          await Promise.allSettled(this.plan(subscription).map((leg) => this.openFirst(subscription, leg)))
        ).find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed === undefined) break;
        if (!(failed.reason instanceof SeveralEndpointsSignal) || round >= 3) throw failed.reason;
      }
    } catch (error) {
      this.drop(subscription);
      throw error;
    }
    this.reconcile(subscription);
    return () => {
      if (subscription.active) this.drop(subscription);
    };
  }

  /** Hands an event frame to its listener. */
  deliver(endpoint: string, event: EventFrame, types: TypeRegistry | undefined): void {
    const found = this.byRemote.get(`${endpoint}#${event.subscription}`);
    const type = types?.get(event.type);
    if (!found?.subscription.active || !found.leg.wanted || !type) return;
    const leg = found.leg;
    try {
      found.subscription.listener({
        op: event.op,
        type: event.type,
        id: event.id,
        version: event.version,
        leaseExpiresAt: event.leaseExpiresAt,
        entry: decodeEntry(type, event.entry),
      });
    } catch (error) {
      // The listener's fault, not the connection's: reported, and the subscription goes on.
      this.listenerError(error, {
        source: 'subscription',
        type: event.type,
        ...(leg.partition >= 0 ? { partition: leg.partition } : {}),
      });
    }
  }

  /**
   * A server ended a registration (SubscriptionOverflowError: this client read too slowly). The
   * whole subscription ends, not only that leg: registering again would only overflow again, and a
   * subscription silently missing events would be worse. Its owner hears why through `onEnd`.
   */
  ended(endpoint: string, end: EndFrame): void {
    const found = this.byRemote.get(`${endpoint}#${end.subscription}`);
    if (!found?.subscription.active) return;
    this.forget(found.leg);
    this.drop(found.subscription);
    found.subscription.onEnd?.(fromWireError(end.error));
  }

  /** The connection to an endpoint is gone, with every registration on it: register them again. */
  lost(endpoint: string): void {
    for (const subscription of this.all) {
      for (const leg of subscription.legs.values()) {
        if (leg.endpoint === endpoint) this.forget(leg);
      }
      this.reconcile(subscription);
    }
  }

  /** The partition map changed: move the legs whose primary moved. */
  remap(): void {
    for (const subscription of this.all) this.reconcile(subscription);
  }

  close(): void {
    this.stopped.abort();
    for (const subscription of this.all) subscription.active = false;
    this.all.clear();
    this.byRemote.clear();
  }

  /** Makes the legs match the map (creating the missing ones, unwanted), returns those to open. */
  private plan(subscription: Subscription): Leg[] {
    const wanted = wantedLegs(this.hooks.map());
    for (const leg of subscription.legs.values()) {
      const endpoint = wanted.get(leg.partition);
      if (endpoint === undefined) {
        leg.wanted = false;
        subscription.legs.delete(leg.partition);
        if (!leg.opening) this.release(subscription, leg);
      } else if (!leg.opening && leg.remoteId !== undefined && leg.endpoint !== endpoint) {
        // Its primary moved: end the old registration before the new one, so nothing is heard twice.
        this.release(subscription, leg);
      }
    }
    const toOpen: Leg[] = [];
    for (const partition of wanted.keys()) {
      let leg = subscription.legs.get(partition);
      if (leg === undefined) {
        leg = { partition, endpoint: undefined, remoteId: undefined, opening: false, wanted: true };
        subscription.legs.set(partition, leg);
      }
      if (!leg.opening && leg.remoteId === undefined) toOpen.push(leg);
    }
    return toOpen;
  }

  /** Plans again and registers what is missing, in the background. */
  private reconcile(subscription: Subscription): void {
    if (!subscription.active || this.stopped.signal.aborted) return;
    for (const leg of this.plan(subscription)) this.reopen(subscription, leg);
  }

  /** The first registration of a new subscription: its failure is the caller's. */
  private async openFirst(subscription: Subscription, leg: Leg): Promise<void> {
    leg.opening = true;
    try {
      await this.open(subscription, leg);
    } finally {
      leg.opening = false;
    }
    this.settle(subscription, leg);
  }

  /** A registration again, retried with backoff until it works or is no longer wanted. */
  private reopen(subscription: Subscription, leg: Leg): void {
    const wanted = (): boolean => subscription.active && leg.wanted;
    leg.opening = true;
    retry(() => (wanted() ? this.open(subscription, leg) : Promise.resolve()), {
      delay: clientBackoff(this.hooks.policy),
      signal: this.stopped.signal,
      retriable: (e) => wanted() && isRetriable(e),
      exhausted: 'wrap', // never: no deadline, no attempt limit
    })
      .then(
        () => {
          leg.opening = false;
          this.settle(subscription, leg);
        },
        (error: unknown) => {
          leg.opening = false;
          // One server became several while registering for all: plan per partition.
          if (error instanceof SeveralEndpointsSignal) this.reconcile(subscription);
        },
      )
      .catch(() => undefined);
  }

  private async open(subscription: Subscription, leg: Leg): Promise<void> {
    try {
      await this.hooks.send({
        op: 'SUBSCRIBE',
        type: subscription.type,
        partition: leg.partition,
        args: {
          selector: subscription.selector,
          ...(subscription.ops ? { ops: subscription.ops } : {}),
        },
        safety: 'idempotent',
        options: {},
        // Registered before the request leaves: events may arrive before its answer.
        onId: (id, endpoint) => {
          this.forget(leg);
          leg.endpoint = endpoint;
          leg.remoteId = id;
          this.byRemote.set(`${endpoint}#${id}`, { subscription, leg });
        },
      });
    } catch (error) {
      this.forget(leg);
      throw error;
    }
  }

  /** After a registration: end it if no longer wanted, move it if the map changed meanwhile. */
  private settle(subscription: Subscription, leg: Leg): void {
    if (!subscription.active || !leg.wanted) this.release(subscription, leg);
    else if (leg.endpoint !== wantedLegs(this.hooks.map()).get(leg.partition)) this.reconcile(subscription);
  }

  /** Ends a leg's registration on its server (if any) and forgets it. */
  private release(subscription: Subscription, leg: Leg): void {
    const { endpoint, remoteId } = leg;
    this.forget(leg);
    if (endpoint !== undefined && remoteId !== undefined && !this.stopped.signal.aborted) {
      this.hooks.unsubscribeAt(endpoint, remoteId, subscription.type);
    }
  }

  private forget(leg: Leg): void {
    if (leg.remoteId !== undefined) this.byRemote.delete(`${leg.endpoint}#${leg.remoteId}`);
    leg.endpoint = undefined;
    leg.remoteId = undefined;
  }

  private drop(subscription: Subscription): void {
    subscription.active = false;
    for (const leg of subscription.legs.values()) {
      leg.wanted = false;
      if (!leg.opening) this.release(subscription, leg);
    }
    subscription.legs.clear();
    this.all.delete(subscription);
  }
}

/** The legs a map wants: one for every partition at its one server, or one per partition. */
function wantedLegs(map: PartitionMap): Map<number, string> {
  if (map.single !== undefined) return new Map([[ANY_PARTITION, map.single]]);
  return new Map(Array.from({ length: map.partitions }, (_, k) => [k, map.endpointOf(k)] as const));
}
