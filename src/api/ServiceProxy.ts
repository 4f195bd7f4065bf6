import { ServiceRedirectError } from '../errors';
import type { ExecuteOptions, RemoteOptions, RemoteProxy, Space } from './Space';
import { SERVICE_TASK_PREFIX } from './Task';

/**
 * A service call as it travels (the arguments of task `$service:<name>`): `pinned` when the caller
 * chose the partition (its own routing, or a broadcast), so the unit must not redirect it. @internal
 */
export interface ServiceCall {
  readonly method: string;
  readonly args: readonly unknown[];
  readonly pinned: boolean;
}

/**
 * A typed proxy of service `name` over any Space (in process or remote): each method call is the
 * task `$service:<name>`, run where `options` route it (see `Space.remote`).
 * @internal
 */
export function serviceProxy<T extends object>(
  space: Pick<Space, 'partitions' | 'execute' | 'executeAll'>,
  name: string,
  options: RemoteOptions = {},
): RemoteProxy<T> {
  const task = SERVICE_TASK_PREFIX + name;
  const base: ExecuteOptions = {
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
  };
  const call = async (method: string, given: unknown[]): Promise<unknown> => {
    const args = withoutTrailingUndefined(given);
    if (options.broadcast !== undefined) {
      const results = await space.executeAll<unknown>(task, { method, args, pinned: true }, base);
      return options.broadcast.reduce(results, method);
    }
    const routing = options.routing?.(method, args);
    if (routing !== undefined && routing !== null) {
      return space.execute(task, { method, args, pinned: true }, { ...base, routing });
    }
    // No routing here: any partition will do, and the export's own routing may redirect the call.
    const landing = Math.floor(Math.random() * space.partitions);
    try {
      return await space.execute(task, { method, args, pinned: false }, { ...base, partition: landing });
    } catch (error) {
      if (!(error instanceof ServiceRedirectError) || error.partition === undefined) throw error;
      return space.execute(task, { method, args, pinned: true }, { ...base, partition: error.partition });
    }
  };
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(Object.create(null) as object, {
    get(_target, property) {
      // Not a method: symbols, and `then` (so awaiting a proxy does not look like a thenable).
      if (typeof property !== 'string' || property === 'then') return undefined;
      let method = methods.get(property);
      if (method === undefined) {
        method = (...args: unknown[]) => call(property, args);
        methods.set(property, method);
      }
      return method;
    },
  }) as RemoteProxy<T>;
}

/** Trailing undefined arguments are dropped: on the wire they would arrive as null, not as absent. */
function withoutTrailingUndefined(args: unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  return end === args.length ? args : args.slice(0, end);
}
