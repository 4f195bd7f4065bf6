/**
 * The feeder: writes NEW PipelineOrders through a space client (a `RemoteSpace` from
 * `Spacelog.connect`, or any Space) at a steady rate. Every `failEvery`-th order carries the fail
 * marker in its id, so the services module's injected failure dead-letters it.
 *
 * Run alone against units started with `spacelog pu start --config examples/orders-pipeline/unit.json`:
 *   node dist/examples/orders-pipeline/feeder.js --bootstrap 127.0.0.1:7410 --rate 50 [--seconds 30]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Spacelog, type Space } from '../../src';
import { ORDER_TYPE, PIPELINE_SPACE, type PipelineOrder } from './model';
import { DEFAULT_FAIL_MARKER } from './services';

/** What a feeder takes. */
export interface FeederOptions {
  readonly space: Space;
  /** Orders per second. */
  readonly rate: number;
  /** Customers the orders are spread over (`c-0` ... ); default 50. */
  readonly customers?: number;
  /** Every n-th order is marked to fail (0: none); default 0. */
  readonly failEvery?: number;
  /** The marker put in a failing order's id; default `poison` (the services module's default). */
  readonly failMarker?: string;
  /** Prefix of the order ids, unique per run; default a random one. */
  readonly runId?: string;
  /** Stop after this many orders; default no limit. */
  readonly limit?: number;
  /** Told of every acknowledged order (e.g. to check later that none was lost). */
  readonly onFed?: (order: PipelineOrder) => void;
  /** Told of every failed write; the feeder goes on. */
  readonly onError?: (error: unknown, order: PipelineOrder) => void;
}

export const DEFAULT_CUSTOMERS = 50;
/** Most writes in flight: a slow space slows the feeder instead of piling writes up. */
const MAX_IN_FLIGHT = 64;
const TICK_MS = 20;

/** The n-th order of a run (deterministic: the same n gives the same order). */
export function pipelineOrder(
  n: number,
  options: { runId: string; customers?: number; failEvery?: number; failMarker?: string; now?: number },
): PipelineOrder {
  const customers = options.customers ?? DEFAULT_CUSTOMERS;
  const failEvery = options.failEvery ?? 0;
  const marked = failEvery > 0 && n % failEvery === failEvery - 1;
  return {
    id: `o-${options.runId}-${n}${marked ? `-${options.failMarker ?? DEFAULT_FAIL_MARKER}` : ''}`,
    customerId: `c-${(n * 7919) % customers}`,
    status: 'NEW',
    totalCents: 500 + ((n * 3571) % 20_000),
    createdAt: options.now ?? Date.now(),
    validatedAt: null,
    paidAt: null,
    shippedAt: null,
  };
}

/** Writes orders at a rate until stopped (or its limit). */
export class OrderFeeder {
  /** Orders acknowledged by the space. */
  fed = 0;
  /** Of those, marked to fail. */
  marked = 0;
  /** Writes that failed. */
  errors = 0;
  readonly runId: string;
  private next = 0;
  private inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private stopping: Promise<void> | undefined;
  private finished!: () => void;
  /** Resolves once the feeder stopped (by `stop()` or its limit) and its writes settled. */
  readonly done: Promise<void>;

  constructor(private readonly options: FeederOptions) {
    if (!(options.rate > 0)) throw new RangeError(`rate must be a positive number, got ${options.rate}`);
    this.runId = options.runId ?? randomBytes(3).toString('hex');
    this.done = new Promise((resolve) => (this.finished = resolve));
  }

  /** Starts feeding. */
  start(): this {
    if (this.timer !== undefined || this.stopping !== undefined) return this;
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    return this;
  }

  /** Stops feeding and waits for the writes in flight. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer !== undefined) clearInterval(this.timer);
      this.timer = undefined;
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      this.finished();
    })();
    return this.stopping;
  }

  private tick(): void {
    const due = Math.floor(((performance.now() - this.startedAt) / 1000) * this.options.rate);
    const limit = this.options.limit ?? Infinity;
    while (this.next < due && this.next < limit && this.inFlight.size < MAX_IN_FLIGHT) {
      this.send(this.next);
      this.next += 1;
    }
    if (this.next >= limit) void this.stop();
  }

  private send(n: number): void {
    const order = pipelineOrder(n, {
      runId: this.runId,
      ...(this.options.customers === undefined ? {} : { customers: this.options.customers }),
      ...(this.options.failEvery === undefined ? {} : { failEvery: this.options.failEvery }),
      ...(this.options.failMarker === undefined ? {} : { failMarker: this.options.failMarker }),
    });
    const write: Promise<void> = this.options.space.write(ORDER_TYPE, { ...order }).then(
      () => {
        this.fed += 1;
        if (order.id.endsWith(`-${this.options.failMarker ?? DEFAULT_FAIL_MARKER}`)) this.marked += 1;
        this.options.onFed?.(order);
      },
      (error: unknown) => {
        this.errors += 1;
        this.options.onError?.(error, order);
      },
    );
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }
}

/** `node feeder.js --bootstrap host:port[,host:port] [--rate 50] [--seconds N] [--fail-every 25]`. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      bootstrap: { type: 'string', default: '127.0.0.1:7410' },
      space: { type: 'string', default: PIPELINE_SPACE },
      rate: { type: 'string', default: '50' },
      seconds: { type: 'string' },
      'fail-every': { type: 'string', default: '25' },
    },
  });
  const space = await Spacelog.connect({ bootstrap: values.bootstrap.split(','), space: values.space });
  const feeder = new OrderFeeder({
    space,
    rate: Number(values.rate),
    failEvery: Number(values['fail-every']),
  }).start();
  const stop = (): void => void feeder.stop();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  if (values.seconds !== undefined) setTimeout(stop, Number(values.seconds) * 1000).unref();
  const report = setInterval(() => {
    process.stdout.write(`fed ${feeder.fed} (${feeder.marked} marked to fail), ${feeder.errors} errors\n`);
  }, 1000);
  await feeder.done;
  clearInterval(report);
  process.stdout.write(`feeder ${feeder.runId} stopped: fed ${feeder.fed}, ${feeder.errors} errors\n`);
  await space.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`feeder: ${String(error)}\n`);
    process.exitCode = 1;
  });
}
