/**
 * The orders pipeline's vocabulary: its entry types (schemas/*.avsc), the steps an order goes
 * through, and what its task and service answer. Shared by the services module, the feeder, the
 * runner and the tests.
 */

/** The order type (schemas/PipelineOrder.avsc), routed by customerId. */
export const ORDER_TYPE = 'PipelineOrder';
/** Where the polling containers move an order that keeps failing (schemas/PipelineOrderDeadLetter.avsc). */
export const DEAD_LETTER_TYPE = 'PipelineOrderDeadLetter';
/** A customer's shipped total (schemas/CustomerTotal.avsc), id = customerId, so in the orders' partition. */
export const TOTAL_TYPE = 'CustomerTotal';

/** The space the example's unit config (unit.json) hosts. */
export const PIPELINE_SPACE = 'shop';
/** The notify container keeping CustomerTotal entries. */
export const TOTALS_CONTAINER = 'customerTotals';
/** The task summing shipped totals at each partition (`executeAll` with a sum reduce). */
export const REVENUE_TASK = 'revenue';
/** The remoting service answering an order's status. */
export const ORDER_SERVICE = 'OrderService';

/** The states of an order, in pipeline order. */
export type OrderState = 'NEW' | 'VALIDATED' | 'PAID' | 'SHIPPED';

/** One step: a polling container taking orders in state `from` and writing them back in state `to`. */
export interface PipelineStep {
  /** The polling container's name (it names the step in dead letters too). */
  readonly name: StepName;
  readonly from: OrderState;
  readonly to: OrderState;
  /** The timestamp field the step sets. */
  readonly stamp: 'validatedAt' | 'paidAt' | 'shippedAt';
}

export type StepName = 'validate' | 'pay' | 'ship';

/** validate → pay → ship. */
export const STEPS: readonly PipelineStep[] = Object.freeze([
  { name: 'validate', from: 'NEW', to: 'VALIDATED', stamp: 'validatedAt' },
  { name: 'pay', from: 'VALIDATED', to: 'PAID', stamp: 'paidAt' },
  { name: 'ship', from: 'PAID', to: 'SHIPPED', stamp: 'shippedAt' },
]);

/** A PipelineOrder entry as the feeder writes it. */
export interface PipelineOrder {
  readonly id: string;
  readonly customerId: string;
  readonly status: OrderState;
  /** Integer cents, so sums are exact whatever their order. */
  readonly totalCents: number;
  readonly createdAt: number;
  readonly validatedAt: number | null;
  readonly paidAt: number | null;
  readonly shippedAt: number | null;
}

/** What `OrderService.status` answers. */
export interface OrderStatusAnswer {
  readonly orderId: string;
  /** The order's state; `DEAD_LETTER` when a step gave it up; `UNKNOWN` when the space holds neither. */
  readonly status: OrderState | 'DEAD_LETTER' | 'UNKNOWN';
  /** The partition that answered (the order's). */
  readonly partition: number;
  /** For a dead letter: the step (container) that failed, and its last error code. */
  readonly failedStep?: string;
  readonly errorCode?: string;
}

/** The remoting service a unit exports as `OrderService` (routed by its second argument, the customerId). */
export interface OrderService {
  status(orderId: string, customerId: string): Promise<OrderStatusAnswer>;
}
