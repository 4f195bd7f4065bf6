import type { ClusterView } from '../ops/status/ClusterView';
import type { ConsoleSnapshot, MirrorView, TypeCount } from './ConsoleDataSource';
import { describeError } from './describeError';

/** A read's value, or its error line. */
export interface Settled<T> {
  readonly value?: T;
  readonly error?: string;
}

/** A promise's value or its error line, never a rejection. */
export async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error: describeError(error) };
  }
}

/** Live entries of each type; a type that could not be counted carries its error line. */
export function countTypes(
  types: readonly string[],
  count: (type: string) => Promise<number>,
): Promise<TypeCount[]> {
  return Promise.all(
    types.map(async (type): Promise<TypeCount> => {
      try {
        return { type, count: await count(type) };
      } catch (error) {
        return { type, error: describeError(error) };
      }
    }),
  );
}

/** The console's snapshot from its parts, each one shown, or its error line, independently. */
export function snapshotOf(
  space: string,
  parts: {
    readonly cluster: Settled<ClusterView>;
    readonly logEnds: Settled<readonly number[]>;
    /** Absent: no mirror given. */
    readonly mirror: MirrorView | undefined;
    readonly counts: Settled<readonly TypeCount[]>;
  },
): ConsoleSnapshot {
  const { cluster, logEnds, mirror, counts } = parts;
  return {
    space,
    takenAt: Date.now(),
    ...(cluster.value === undefined ? { clusterError: cluster.error } : { cluster: cluster.value }),
    ...(logEnds.value === undefined ? { logEndsError: logEnds.error } : { logEnds: logEnds.value }),
    ...(mirror === undefined ? {} : { mirror }),
    counts: counts.value ?? [],
    ...(counts.error === undefined ? {} : { countsError: counts.error }),
  };
}
