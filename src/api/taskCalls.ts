import { InvalidArgumentError } from '../errors';
import type { ExecuteAllOptions, ExecuteOptions } from './Space';
import { partitionOf } from './partitionOf';

/** The partition an `execute` names: its routing value's, or `partition` itself. @internal */
export function taskPartition(partitions: number, name: string, options: ExecuteOptions): number {
  const hasRouting = options.routing !== undefined && options.routing !== null;
  if (hasRouting === (options.partition !== undefined)) {
    throw new InvalidArgumentError(`execute('${name}') needs exactly one of { routing } and { partition }`);
  }
  if (hasRouting) return partitionOf(options.routing, partitions);
  const k = options.partition!;
  if (!Number.isInteger(k) || k < 0 || k >= partitions) {
    throw new InvalidArgumentError(`partition ${String(k)} is out of range 0..${partitions - 1}`);
  }
  return k;
}

/**
 * The end of an `executeAll`: waits for every partition (no task is left running behind the
 * answer), throws the first failure in partition order, else reduces the results on the caller.
 * @internal
 */
export async function reduceAll<R, A>(
  runs: readonly Promise<R>[],
  options: Pick<ExecuteAllOptions<R, A>, 'reduce'>,
): Promise<A> {
  const settled = await Promise.allSettled(runs);
  const results: R[] = [];
  for (const outcome of settled) {
    if (outcome.status === 'rejected') throw outcome.reason;
    results.push(outcome.value);
  }
  return options.reduce === undefined ? (results as unknown as A) : options.reduce(results);
}

/** The per-partition options of an `executeAll`'s runs. @internal */
export function runOptionsOf<R, A>(
  options: ExecuteAllOptions<R, A>,
): Omit<ExecuteOptions, 'routing' | 'partition'> {
  const { reduce: _reduce, ...rest } = options;
  return rest;
}

/**
 * `execute` on any Space: the partition its options name, then `run` there (a bad option rejects,
 * nothing runs). @internal
 */
export function executeAt<R>(
  partitions: number,
  name: string,
  options: ExecuteOptions,
  run: (partition: number) => Promise<unknown>,
): Promise<R> {
  let partition: number;
  try {
    partition = taskPartition(partitions, name, options);
  } catch (error) {
    return Promise.reject(error);
  }
  return run(partition) as Promise<R>;
}

/** `executeAll` on any Space: `run` at every partition with the per-partition options, reduced here. @internal */
export function executeAtAll<R, A>(
  partitions: number,
  options: ExecuteAllOptions<R, A>,
  run: (partition: number, runOptions: Omit<ExecuteOptions, 'routing' | 'partition'>) => Promise<unknown>,
): Promise<A> {
  const runOptions = runOptionsOf(options);
  return reduceAll(
    Array.from({ length: partitions }, (_, k) => run(k, runOptions) as Promise<R>),
    options,
  );
}
