import * as path from 'node:path';
import { PartitionedSpace } from '../../../src/api/PartitionedSpace';
import { NotPrimaryError } from '../../../src/errors';
import { ServiceRegistry } from '../../../src/events/ServiceRegistry';
import { TaskRegistry, type TaskHost } from '../../../src/events/TaskRegistry';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { SpaceEngine } from '../../../src/space/SpaceEngine';

export const TYPES = SchemaLoader.loadFolder(path.resolve(__dirname, '../../../schemas/examples'));

/** A stand-in engine: tasks in these tests only need to know which partition's engine they got. */
export interface FakeEngine {
  readonly partition: number;
}

/**
 * A host of `partitions` partitions whose engines are stand-ins, its task and service registries,
 * and the PartitionedSpace that runs tasks through them. `notPrimary` partitions refuse like a unit
 * that does not lead them.
 */
export function taskKit(partitions = 4, notPrimary: ReadonlySet<number> = new Set()) {
  const engines = Array.from({ length: partitions }, (_, partition): FakeEngine => ({ partition }));
  const host: { -readonly [K in keyof TaskHost]: TaskHost[K] } = {
    unit: 'unit-a',
    partitions,
    space: undefined as unknown as PartitionedSpace,
    engine: (k) => {
      if (notPrimary.has(k)) throw new NotPrimaryError(`not the primary of ${k}`, { partition: k });
      return engines[k] as unknown as SpaceEngine;
    },
  };
  const tasks = new TaskRegistry(host);
  const services = new ServiceRegistry(tasks);
  const space = new PartitionedSpace('orders', TYPES, partitions, (k) => host.engine(k), tasks);
  host.space = space;
  return { host, tasks, services, space };
}

/** The partition of a stand-in engine. */
export function partitionOfEngine(engine: SpaceEngine): number {
  return (engine as unknown as FakeEngine).partition;
}
