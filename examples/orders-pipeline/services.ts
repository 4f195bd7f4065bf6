/**
 * The orders pipeline's collocated code: the `services` module of its processing units
 * (unit.json). Everything here runs inside a unit, next to the partitions it leads:
 *
 * - three polling containers, validate → pay → ship: each takes an order in one state and writes it
 *   back in the next, in ONE transaction on the order's partition (the take and the write commit
 *   together or not at all); an order that keeps failing goes to PipelineOrderDeadLetter;
 * - a notify container, `customerTotals`, adding each SHIPPED order to its customer's CustomerTotal,
 *   idempotently (see customerTotals.ts);
 * - a task, `revenue`: the shipped totals of one partition (summed over all by `revenueOf`);
 * - a remoting service, `OrderService.status(orderId, customerId)`, routed by the customerId.
 *
 * Injected failures (for the tests and the demo's dead letters): an order whose id contains the fail
 * marker fails at the fail step, every attempt, until it is dead-lettered. Configured by
 * `createPipeline(options)`, or for `start` (what `spacelog pu start` calls) by the environment:
 * PIPELINE_FAIL_MARKER (default `poison`; empty = none), PIPELINE_FAIL_STEP (`validate`, `pay`
 * (default) or `ship`), PIPELINE_MAX_ATTEMPTS (default 3).
 */
import {
  InvalidArgumentError,
  SpacelogError,
  serviceContext,
  type Entry,
  type NotifyContainer,
  type PollingContainer,
  type Space,
  type TaskContext,
  type UnitContext,
  type UnitServices,
} from '../../src';
import { applyShippedEvents } from './customerTotals';
import {
  DEAD_LETTER_TYPE,
  ORDER_SERVICE,
  ORDER_TYPE,
  REVENUE_TASK,
  STEPS,
  TOTALS_CONTAINER,
  type OrderService,
  type OrderState,
  type OrderStatusAnswer,
  type PipelineStep,
  type StepName,
} from './model';

export * from './model';
export { applyShippedEvents, type TotalsApplied } from './customerTotals';

/** How the pipeline runs in a unit. Every field is optional. */
export interface PipelineOptions {
  /** An order whose id contains this fails at `failStep` on every attempt; default `poison`; '' = none. */
  readonly failMarker?: string;
  /** The step where marked orders fail; default `pay`. */
  readonly failStep?: StepName;
  /** Failed attempts before an order is dead-lettered; default 3. */
  readonly maxAttempts?: number;
  /** Orders taken per cycle (one transaction) by each step; default 20. */
  readonly batchSize?: number;
  /** Cycles at once per partition and step; default 1. */
  readonly concurrency?: number;
}

export const DEFAULT_FAIL_MARKER = 'poison';
export const DEFAULT_FAIL_STEP: StepName = 'pay';
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_BATCH_SIZE = 20;
export const DEFAULT_CONCURRENCY = 1;

/** A failure injected on purpose (the order's id carries the fail marker). Dead letters show its code. */
export class InjectedFailureError extends SpacelogError {
  constructor(
    readonly step: StepName,
    orderId: string,
  ) {
    super(`injected failure: order ${orderId} is marked to fail at ${step}`, 'INJECTED_FAILURE', false, {
      type: ORDER_TYPE,
      entryId: orderId,
    });
    this.name = 'InjectedFailureError';
  }
}

/** An order the validate step refuses (a total that is not a positive number of cents). */
export class InvalidOrderError extends SpacelogError {
  constructor(orderId: string, reason: string) {
    super(`order ${orderId} is invalid: ${reason}`, 'INVALID_ORDER', false, {
      type: ORDER_TYPE,
      entryId: orderId,
    });
    this.name = 'InvalidOrderError';
  }
}

/** What `start` gives back: the unit's containers (their `status()`), and `stop`. */
export interface PipelineUnit {
  readonly steps: Readonly<Record<StepName, PollingContainer>>;
  readonly totals: NotifyContainer;
  /** Stops the containers (draining); the unit also does it on close. Idempotent. */
  stop(): Promise<void>;
}

/** The options `start` uses: from PIPELINE_FAIL_MARKER, PIPELINE_FAIL_STEP, PIPELINE_MAX_ATTEMPTS. */
export function pipelineOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): PipelineOptions {
  const step = env.PIPELINE_FAIL_STEP;
  const attempts = env.PIPELINE_MAX_ATTEMPTS;
  return {
    ...(env.PIPELINE_FAIL_MARKER === undefined ? {} : { failMarker: env.PIPELINE_FAIL_MARKER }),
    ...(step === undefined || step === '' ? {} : { failStep: step as StepName }),
    ...(attempts === undefined || attempts === '' ? {} : { maxAttempts: Number(attempts) }),
  };
}

/** The pipeline as a services module: what `start` returns is its containers. */
export interface PipelineServices extends UnitServices {
  start(ctx: UnitContext): PipelineUnit;
}

/** The pipeline's services module with these options (a unit's `services` may be this object). */
export function createPipeline(options: PipelineOptions = {}): PipelineServices {
  const resolved = resolveOptions(options);
  return { start: (ctx) => startPipeline(ctx, resolved) };
}

/** The services module's entry point (`spacelog pu start --config unit.json`): options from the environment. */
export function start(ctx: UnitContext): PipelineUnit {
  return startPipeline(ctx, resolveOptions(pipelineOptionsFromEnv()));
}

/**
 * Shipped revenue over the whole space, in cents: the `revenue` task at every partition's primary,
 * summed on the caller. Works from a remote client and from inside a unit.
 */
export function revenueOf(space: Space): Promise<number> {
  return space.executeAll<number, number>(
    REVENUE_TASK,
    {},
    { reduce: (perPartition) => perPartition.reduce((a, b) => a + b, 0), idempotent: true },
  );
}

/** A proxy of the OrderService, routed on the caller by the customerId (no redirect hop). */
export function orderService(space: Space): OrderService {
  return space.remote<OrderService>(ORDER_SERVICE, { routing: (_method, args) => args[1] });
}

type ResolvedOptions = Required<PipelineOptions>;

function resolveOptions(options: PipelineOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    failMarker: options.failMarker ?? DEFAULT_FAIL_MARKER,
    failStep: options.failStep ?? DEFAULT_FAIL_STEP,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
  };
  if (!STEPS.some((s) => s.name === resolved.failStep)) {
    throw new InvalidArgumentError(
      `failStep must be one of ${STEPS.map((s) => s.name).join(', ')}, got '${resolved.failStep}'`,
    );
  }
  // Ranges (maxAttempts, batchSize, concurrency) are checked by the containers themselves at start.
  return resolved;
}

function startPipeline(ctx: UnitContext, options: ResolvedOptions): PipelineUnit {
  const steps = {} as Record<StepName, PollingContainer>;
  for (const step of STEPS) steps[step.name] = ctx.pollingContainer(stepContainer(step, options));
  const totals = ctx.notifyContainer({
    name: TOTALS_CONTAINER,
    type: ORDER_TYPE,
    template: { status: 'SHIPPED' },
    // The ship step writes an order SHIPPED once (its take and write are one transaction): one WRITE.
    ops: ['WRITE'],
    batchSize: 200,
    handler: async (events) => {
      await applyShippedEvents(ctx.space, events);
    },
  });
  ctx.tasks.register<unknown, number>(REVENUE_TASK, revenueAtPartition);
  ctx.export<OrderService>(ORDER_SERVICE, orderServiceImpl, { routing: (_method, args) => args[1] });
  return {
    steps,
    totals,
    stop: async () => {
      await Promise.all([...Object.values(steps).map((c) => c.stop()), totals.stop()]);
    },
  };
}

/** One step's polling container: take an order in `from`, write it back in `to`, one transaction. */
function stepContainer(
  step: PipelineStep,
  options: ResolvedOptions,
): Parameters<UnitContext['pollingContainer']>[0] {
  return {
    name: step.name,
    type: ORDER_TYPE,
    template: { status: step.from },
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    maxAttempts: options.maxAttempts,
    receiveTimeout: 1000,
    backoff: { initialMs: 50, maxMs: 1000, multiplier: 2 },
    handler: async (order, tx) => {
      const id = String(order.id);
      if (options.failMarker !== '' && options.failStep === step.name && id.includes(options.failMarker)) {
        throw new InjectedFailureError(step.name, id);
      }
      if (step.name === 'validate') validate(order);
      // Same id, same routing value (customerId): the write lands in the partition the order was
      // taken from, so it joins the take's transaction.
      await tx.write(ORDER_TYPE, { ...order, status: step.to, [step.stamp]: Date.now() });
    },
  };
}

function validate(order: Entry): void {
  const cents = Number(order.totalCents);
  if (!Number.isSafeInteger(cents) || cents <= 0) {
    throw new InvalidOrderError(String(order.id), `totalCents must be a positive integer, got ${cents}`);
  }
}

/** The `revenue` task: shipped totals of the partition it runs at, in cents, read in-process. */
async function revenueAtPartition(_args: unknown, task: TaskContext): Promise<number> {
  const shipped = await task.engine.readMultiple(ORDER_TYPE, { template: { status: 'SHIPPED' } });
  return shipped.reduce((sum, order) => sum + Number(order.totalCents), 0);
}

/** OrderService, run at the primary of the customer's partition. */
const orderServiceImpl: OrderService = {
  async status(orderId: string): Promise<OrderStatusAnswer> {
    const { engine, partition } = serviceContext();
    const order = await engine.read(ORDER_TYPE, { id: orderId });
    if (order !== null) return { orderId, status: order.status as OrderState, partition };
    const [letter] = await engine.readMultiple(DEAD_LETTER_TYPE, { template: { entryId: orderId } }, 1);
    if (letter !== undefined) {
      return {
        orderId,
        status: 'DEAD_LETTER',
        partition,
        failedStep: String(letter.container),
        errorCode: String(letter.errorCode),
      };
    }
    return { orderId, status: 'UNKNOWN', partition };
  },
};
