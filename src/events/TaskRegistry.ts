import {
  InvalidArgumentError,
  OperationAbortedError,
  TaskFailedError,
  TaskTimeoutError,
  UnknownTaskError,
} from '../errors';
import type { Space } from '../api/Space';
import type { SpaceEngine } from '../space/SpaceEngine';
import { PartitionSnapshots, SNAPSHOT_TASK_PREFIX } from './PartitionSnapshots';
import {
  RESERVED_TASK_PREFIX,
  timeoutOf,
  type Task,
  type TaskContext,
  type TaskRunner,
  type TaskRunOptions,
} from '../api/Task';
import type { ResolvedTask, TaskResolver } from './ResolvedTask';

/** What a task registry needs from its process (a `ContainerHost` has all of it). */
export interface TaskHost {
  readonly unit: string;
  readonly partitions: number;
  /** The host's routed space, read when a task runs (so it may be built after the registry). */
  readonly space: Space;
  /** The serving engine of partition k; throws or rejects with NotPrimaryError when k is not led here. */
  engine(partition: number): SpaceEngine | Promise<SpaceEngine>;
}

/**
 * The tasks of one host, by name (no code travels over the wire: a caller names a task a unit
 * registered). Runs them with a timeout and the caller's AbortSignal, and wraps what a task throws
 * in TaskFailedError; an unknown name is UnknownTaskError, refused before anything runs.
 */
export class TaskRegistry implements TaskRunner {
  private readonly tasks = new Map<string, Task>();
  private readonly resolvers = new Map<string, TaskResolver>();

  constructor(private readonly host: TaskHost) {
    // Every host serves partition snapshots (`spacelog verify` reads the grid with them).
    const snapshots = new PartitionSnapshots();
    this.addResolver(SNAPSHOT_TASK_PREFIX, (name, args, partition) =>
      snapshots.resolve(name, args, partition),
    );
  }

  /** The space's partition count (routing of service calls). */
  get partitions(): number {
    return this.host.partitions;
  }

  /**
   * Registers a task; returns the function that unregisters it. A name is registered once (a second
   * registration is an InvalidArgumentError); names starting with `$` are reserved.
   */
  register<A = unknown, R = unknown>(name: string, task: Task<A, R>): () => void {
    if (typeof name !== 'string' || name.length === 0 || name.startsWith(RESERVED_TASK_PREFIX)) {
      throw new InvalidArgumentError(
        `a task name is a non-empty string not starting with '$', got '${name}'`,
      );
    }
    if (typeof task !== 'function') throw new InvalidArgumentError(`task '${name}' must be a function`);
    if (this.tasks.has(name)) throw new InvalidArgumentError(`task '${name}' is already registered`);
    this.tasks.set(name, task as Task);
    return () => {
      if (this.tasks.get(name) === task) this.tasks.delete(name);
    };
  }

  /** True when a task of that name is registered here. */
  has(name: string): boolean {
    return this.tasks.has(name);
  }

  /** The registered task names, sorted. */
  names(): string[] {
    return [...this.tasks.keys()].sort();
  }

  /** Resolves reserved names under `prefix` (e.g. `$service:`) with `resolve`. @internal */
  addResolver(prefix: string, resolve: TaskResolver): void {
    if (!prefix.startsWith(RESERVED_TASK_PREFIX)) {
      throw new InvalidArgumentError(`a resolver prefix starts with '${RESERVED_TASK_PREFIX}'`);
    }
    this.resolvers.set(prefix, resolve);
  }

  /**
   * Runs task `name` at `partition`. Rejects with UnknownTaskError (nothing ran), the host's
   * NotPrimaryError (nothing ran), TaskTimeoutError or OperationAbortedError (the task's signal is
   * aborted; it may still be running if it ignores it), or TaskFailedError (it threw).
   */
  run(name: string, args: unknown, partition: number, options: TaskRunOptions = {}): Promise<unknown> {
    let resolved: ResolvedTask;
    let timeout: number;
    try {
      timeout = timeoutOf(options.timeout);
      resolved = this.resolve(name, args, partition);
    } catch (error) {
      return Promise.reject(error);
    }
    const { label, run: task } = resolved;
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new OperationAbortedError({ partition }));
    const controller = new AbortController();
    return new Promise<unknown>((resolve, reject) => {
      let done = false;
      const settle = (outcome: () => void): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const stop = (error: Error): void => {
        controller.abort(error);
        settle(() => reject(error));
      };
      const onAbort = (): void => stop(new OperationAbortedError({ partition }));
      // Counted from the call, so a partition still warming up spends the task's own time.
      const timer =
        timeout <= MAX_TIMER_MS
          ? setTimeout(() => stop(new TaskTimeoutError(label, timeout, { partition })), timeout)
          : undefined;
      signal?.addEventListener('abort', onAbort, { once: true });
      Promise.resolve()
        .then(() => this.host.engine(partition))
        .then(
          (engine) => {
            if (done) return;
            const context: TaskContext = {
              partition,
              space: this.host.space,
              engine,
              signal: controller.signal,
              unit: this.host.unit,
            };
            Promise.resolve()
              .then(() => task(args, context))
              .then(
                (result) => settle(() => resolve(result)),
                (error: unknown) => settle(() => reject(new TaskFailedError(label, error, { partition }))),
              );
          },
          // Reaching the partition failed (not its primary, closed): nothing ran, pass it on as is.
          (error: unknown) => settle(() => reject(error)),
        );
    });
  }

  private resolve(name: string, args: unknown, partition: number): ResolvedTask {
    if (partition < 0 || partition >= this.host.partitions || !Number.isInteger(partition)) {
      throw new InvalidArgumentError(`partition ${partition} is out of range`, { partition });
    }
    const task = this.tasks.get(name);
    if (task !== undefined) return { label: name, run: task };
    for (const [prefix, resolver] of this.resolvers) {
      if (name.startsWith(prefix)) return resolver(name.slice(prefix.length), args, partition);
    }
    throw new UnknownTaskError(name, { partition });
  }
}

/** setTimeout's largest delay; a longer timeout is no timeout (setTimeout would fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;
