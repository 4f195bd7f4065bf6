import { InvalidArgumentError } from '../errors';
import type { SpaceEngine } from '../space/SpaceEngine';
import type { Space } from './Space';

/** Default time a task may run before it fails with TaskTimeoutError: 30 s. */
export const DEFAULT_TASK_TIMEOUT_MS = 30_000;

/** Names starting with this are reserved for Spacelog's own tasks (service calls). */
export const RESERVED_TASK_PREFIX = '$';

/** What a task gets besides its arguments: where it runs, and in-process access to that partition. */
export interface TaskContext {
  /** The partition the task runs at (this host is its primary). */
  readonly partition: number;
  /** The whole space as the host sees it, routed (partitions led here run in-process). */
  readonly space: Space;
  /** The serving engine of `partition`, in-process: no socket, no serialisation. */
  readonly engine: SpaceEngine;
  /** Aborted when the task times out (reason TaskTimeoutError) or its caller cancels (OperationAbortedError). */
  readonly signal: AbortSignal;
  /** The name of the unit the task runs in (`local` in a one-process grid). */
  readonly unit: string;
}

/** A task: code registered by name in a unit, run at a partition's primary. Its result is its answer. */
export type Task<A = unknown, R = unknown> = (args: A, ctx: TaskContext) => R | Promise<R>;

/** How one task run is bounded. */
export interface TaskRunOptions {
  /** Milliseconds the task may run; default DEFAULT_TASK_TIMEOUT_MS; `Infinity` for none. */
  readonly timeout?: number;
  /** The caller's cancel. */
  readonly signal?: AbortSignal;
}

/**
 * Runs tasks by name at a partition of this host: what a `PartitionedSpace` and a `SpaceServer` call
 * for `execute`. A NotPrimaryError from reaching the partition passes through unwrapped (nothing ran,
 * so the caller may retry on the new primary).
 */
export interface TaskRunner {
  run(name: string, args: unknown, partition: number, options?: TaskRunOptions): Promise<unknown>;
}

/** A task's timeout: positive ms, or Infinity for none. */
export function timeoutOf(timeout: number | undefined): number {
  const value = timeout ?? DEFAULT_TASK_TIMEOUT_MS;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new InvalidArgumentError(
      `a task timeout is a positive number of ms (or Infinity), got ${String(value)}`,
    );
  }
  return value;
}

/**
 * The task name prefix of a space-based remoting call: an EXECUTE of `$service:<name>` calls the
 * service a unit exported as `<name>` (authorized by the grant `service:<name>`).
 */
export const SERVICE_TASK_PREFIX = '$service:';
