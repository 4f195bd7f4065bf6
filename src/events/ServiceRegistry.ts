import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidArgumentError, ServiceRedirectError, TaskFailedError, UnknownServiceError } from '../errors';
import { partitionOf } from '../api/partitionOf';
import type { ServiceCall } from '../api/ServiceProxy';
import { SERVICE_TASK_PREFIX } from '../api/Task';
import type { TaskRegistry } from './TaskRegistry';
import type { ResolvedTask } from './ResolvedTask';
import type { TaskContext } from '../api/Task';

/** Options of `ServiceRegistry.export`. */
export interface ExportOptions {
  /**
   * The routing value of a call (e.g. `(method, [orderId]) => orderId`): a call whose caller gave no
   * routing of its own runs at the primary of that value's partition. A call that reaches another
   * partition is refused before it runs with ServiceRedirectError naming the right one, and the
   * caller's proxy sends it there (one extra round trip: give the proxy the same `routing` to save
   * it). Undefined or null: the call runs where it landed.
   */
  readonly routing?: (method: string, args: readonly unknown[]) => unknown;
}

interface Exported {
  readonly impl: object;
  readonly routing: ExportOptions['routing'];
}

const current = new AsyncLocalStorage<TaskContext>();

/**
 * The context of the service call running now (its partition, in-process engine, AbortSignal, the
 * host's space and unit), for use inside a method of an exported service, also after `await`s.
 * Throws InvalidArgumentError outside a service call.
 */
export function serviceContext(): TaskContext {
  const context = current.getStore();
  if (context === undefined) {
    throw new InvalidArgumentError(
      'serviceContext() is available only inside a method of an exported service',
    );
  }
  return context;
}

/**
 * The services a host exports (space-based remoting, XAP's executor remoting): an object whose
 * methods any client calls through `space.remote<T>(name)`, each call running at the primary of a
 * partition. Built on the host's tasks: a call is the reserved task `$service:<name>`, so it has the
 * same timeout, AbortSignal, errors and retry rules as `execute`.
 */
export class ServiceRegistry {
  private readonly services = new Map<string, Exported>();

  constructor(private readonly tasks: TaskRegistry) {
    tasks.addResolver(SERVICE_TASK_PREFIX, (name, args, partition) => this.resolve(name, args, partition));
  }

  /**
   * Exports `impl` as service `name`; returns the function that withdraws it. Its methods (own or
   * inherited, except Object's) are callable remotely with wire-JSON arguments; inside one,
   * `serviceContext()` gives the call's partition, engine and signal.
   */
  export<T extends object>(name: string, impl: T, options: ExportOptions = {}): () => void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgumentError('a service name is a non-empty string');
    }
    if (impl === null || typeof impl !== 'object') {
      throw new InvalidArgumentError(`service '${name}' must be an object with methods`);
    }
    if (options.routing !== undefined && typeof options.routing !== 'function') {
      throw new InvalidArgumentError(`service '${name}': routing must be a function (method, args) => value`);
    }
    if (this.services.has(name)) throw new InvalidArgumentError(`service '${name}' is already exported`);
    const exported: Exported = { impl, routing: options.routing };
    this.services.set(name, exported);
    return () => {
      if (this.services.get(name) === exported) this.services.delete(name);
    };
  }

  /** True when a service of that name is exported here. */
  has(name: string): boolean {
    return this.services.has(name);
  }

  /** The exported service names, sorted. */
  names(): string[] {
    return [...this.services.keys()].sort();
  }

  /** The body of a call, or a typed refusal before anything runs. */
  private resolve(name: string, args: unknown, partition: number): ResolvedTask {
    const exported = this.services.get(name);
    if (exported === undefined) throw new UnknownServiceError(name, undefined, { partition });
    const call = callOf(args);
    const method = methodOf(exported.impl, call.method);
    if (method === undefined) throw new UnknownServiceError(name, call.method, { partition });
    const label = `${name}.${call.method}`;
    if (!call.pinned && exported.routing !== undefined) {
      let value: unknown;
      try {
        value = exported.routing(call.method, call.args);
      } catch (error) {
        throw new TaskFailedError(label, error, { partition });
      }
      if (value !== undefined && value !== null) {
        const target = partitionOf(value, this.tasks.partitions);
        if (target !== partition) throw new ServiceRedirectError(name, call.method, partition, target);
      }
    }
    return {
      label,
      run: (_args, context) => current.run(context, () => method.apply(exported.impl, [...call.args])),
    };
  }
}

function callOf(args: unknown): ServiceCall {
  const call = args as Partial<ServiceCall> | null;
  if (
    call === null ||
    typeof call !== 'object' ||
    typeof call.method !== 'string' ||
    !Array.isArray(call.args) ||
    typeof call.pinned !== 'boolean'
  ) {
    throw new InvalidArgumentError('a service call is { method, args: [...], pinned }');
  }
  return call as ServiceCall;
}

/** A callable method of the service: not Object's own (`toString`, `constructor`, `__proto__`...). */
function methodOf(impl: object, name: string): ((...args: unknown[]) => unknown) | undefined {
  if (name in Object.prototype) return undefined;
  const value = (impl as Record<string, unknown>)[name];
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown) : undefined;
}
