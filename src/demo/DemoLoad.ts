import type { Space } from '../api/Space';
import type { Entry } from '../schema/Entry';
import {
  customerId,
  DEMO_CUSTOMERS,
  DEMO_PRODUCTS,
  demoCustomer,
  demoOrder,
  demoPayment,
  demoProduct,
  type Random,
} from './demoEntities';
import type { LoadFigures } from './LoadFigures';

/** How the demo load runs. */
export interface DemoLoadOptions {
  readonly space: Space;
  /** Target operations per second. */
  readonly rate: number;
  readonly figures: LoadFigures;
  /** Most operations in flight; beyond it the load skips a beat rather than queue without bound. */
  readonly maxInFlight?: number;
  /** Lease of payments, ms: they expire and the log shows EXPIRE mutations. Default 15 s. */
  readonly paymentLeaseMs?: number;
  readonly random?: Random;
  /** Hears each failed operation (the figures count them too). */
  readonly onError?: (error: unknown) => void;
}

export const DEFAULT_MAX_IN_FLIGHT = 64;
export const DEFAULT_PAYMENT_LEASE_MS = 15_000;
const TICK_MS = 20;

/** The statuses an order moves through before it is taken. */
type LiveStatus = 'NEW' | 'PAID' | 'SHIPPED';

/** An order the load knows of, by where it is in its life. */
interface OrderRef {
  readonly id: string;
  readonly customerId: string;
  readonly total: number;
}

/**
 * A small, steady order-management load on the example domain: new orders, payments (leased, so
 * they expire), shipping, takes of shipped orders, and customer updates. Orders flow
 * NEW → PAID → SHIPPED → taken, so the space stays about the same size however long it runs.
 */
export class DemoLoad {
  private readonly random: Random;
  private readonly maxInFlight: number;
  private readonly paymentLeaseMs: number;
  private readonly orders: Record<LiveStatus, OrderRef[]> = { NEW: [], PAID: [], SHIPPED: [] };
  private readonly inFlight = new Set<Promise<void>>();
  private readonly runId = Date.now().toString(36);
  private timer: NodeJS.Timeout | undefined;
  private tokens = 0;
  private lastTick = 0;
  private nextOrder = 0;

  constructor(private readonly options: DemoLoadOptions) {
    this.random = options.random ?? Math.random;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.paymentLeaseMs = options.paymentLeaseMs ?? DEFAULT_PAYMENT_LEASE_MS;
  }

  /**
   * Writes the catalogue and the customers, and picks up the orders an earlier run left in the
   * space (the log kept them) so they move on through their life too.
   */
  async seed(): Promise<void> {
    const { space } = this.options;
    const writes: Promise<unknown>[] = [];
    for (let n = 0; n < DEMO_PRODUCTS; n++) writes.push(space.write('Product', demoProduct(n)));
    for (let n = 0; n < DEMO_CUSTOMERS; n++)
      writes.push(space.write('Customer', demoCustomer(n, this.random)));
    await Promise.all(writes);
    for (const order of await space.readMultiple('Order')) this.track(order);
  }

  /** Starts issuing operations at the target rate. */
  start(): void {
    this.lastTick = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops issuing operations and waits for those in flight. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
  }

  private tick(): void {
    const now = performance.now();
    // Cap the bucket at one second's worth: after a stall the load catches up gently, not in a burst.
    this.tokens = Math.min(
      this.options.rate,
      this.tokens + ((now - this.lastTick) / 1000) * this.options.rate,
    );
    this.lastTick = now;
    while (this.tokens >= 1 && this.inFlight.size < this.maxInFlight) {
      this.tokens -= 1;
      const operation = this.nextOperation().catch((error: unknown) => {
        this.options.figures.recordError();
        this.options.onError?.(error);
      });
      this.inFlight.add(operation);
      void operation.finally(() => this.inFlight.delete(operation));
    }
  }

  /**
   * Picks the next operation: 22% each new order, pay, ship and take of a shipped order, 12%
   * customer update. A step with no order waiting for it places a new order instead, so orders
   * never pile up at one step and the space stays about the same size.
   */
  private nextOperation(): Promise<void> {
    const dice = this.random();
    if (dice < 0.22) return this.newOrder();
    if (dice < 0.44) return this.orders.NEW.length > 0 ? this.pay(this.claim('NEW')) : this.newOrder();
    if (dice < 0.66) return this.orders.PAID.length > 0 ? this.ship(this.claim('PAID')) : this.newOrder();
    if (dice < 0.88) {
      return this.orders.SHIPPED.length > 0 ? this.takeShipped(this.claim('SHIPPED')) : this.newOrder();
    }
    return this.updateCustomer();
  }

  private async newOrder(): Promise<void> {
    const id = `o-${this.runId}-${this.nextOrder++}`;
    const customer = customerId(Math.floor(this.random() * DEMO_CUSTOMERS));
    const order = demoOrder(id, customer, this.random);
    await this.timed(() => this.options.space.write('Order', order));
    this.orders.NEW.push({ id, customerId: customer, total: order['total'] as number });
  }

  private async pay(order: OrderRef): Promise<void> {
    await this.setStatus(order, 'PAID');
    const payment = demoPayment(order.id, order.total, this.random);
    await this.timed(() => this.options.space.write('Payment', payment, { lease: this.paymentLeaseMs }));
    this.orders.PAID.push(order);
  }

  private async ship(order: OrderRef): Promise<void> {
    await this.setStatus(order, 'SHIPPED');
    this.orders.SHIPPED.push(order);
  }

  private async takeShipped(order: OrderRef): Promise<void> {
    const taken = await this.options.space.take('Order', { id: order.id }, { routing: order.customerId });
    if (taken !== null) this.options.figures.recordTake();
  }

  private async updateCustomer(): Promise<void> {
    const customer = demoCustomer(Math.floor(this.random() * DEMO_CUSTOMERS), this.random);
    await this.timed(() => this.options.space.write('Customer', customer));
  }

  private async setStatus(order: OrderRef, status: 'PAID' | 'SHIPPED'): Promise<void> {
    await this.timed(() =>
      this.options.space.change('Order', { id: order.id }, [{ op: 'set', path: 'status', value: status }], {
        routing: order.customerId,
      }),
    );
  }

  private async timed(operation: () => Promise<unknown>): Promise<void> {
    const started = performance.now();
    await operation();
    this.options.figures.recordWrite(performance.now() - started);
  }

  /** Removes a random order of that status from the lists, so no two operations act on it at once. */
  private claim(status: LiveStatus): OrderRef {
    const list = this.orders[status];
    const index = Math.floor(this.random() * list.length) % list.length;
    const order = list[index]!;
    list[index] = list[list.length - 1]!;
    list.pop();
    return order;
  }

  private track(order: Entry): void {
    const status = order['status'];
    if (status !== 'NEW' && status !== 'PAID' && status !== 'SHIPPED') return;
    this.orders[status].push({
      id: String(order['id']),
      customerId: String(order['customerId']),
      total: Number(order['total']),
    });
  }
}
