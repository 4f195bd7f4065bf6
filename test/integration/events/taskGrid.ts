import { PartitionedSpace } from '../../../src/client/PartitionedSpace';
import type { RemoteSpace } from '../../../src/client/RemoteSpace';
import { RemoteSpace as Remote } from '../../../src/client/RemoteSpace';
import type { LocalGrid } from '../../../src/cluster/LocalGrid';
import { ServiceRegistry } from '../../../src/events/ServiceRegistry';
import { TaskRegistry } from '../../../src/events/TaskRegistry';
import { SpaceServer } from '../../../src/net/SpaceServer';
import { Spacelog } from '../../../src/index';
import { EXAMPLE_SCHEMAS, gridTestKit, type GridTestKit } from '../../support';

/**
 * A real one-process grid (Spacelog.start, real Kafka) with a task registry and a service registry
 * on it, the grid's space that runs them in process, a SpaceServer serving that space, and a remote
 * client connected to it.
 */
export interface TaskGrid {
  readonly kit: GridTestKit;
  readonly grid: LocalGrid;
  readonly tasks: TaskRegistry;
  readonly services: ServiceRegistry;
  /** The in-process space with the grid's task registry (what `grid.space` is once wired). */
  readonly space: PartitionedSpace;
  readonly server: SpaceServer;
  readonly client: RemoteSpace;
  close(): Promise<void>;
}

export async function startTaskGrid(space: string, partitions: number): Promise<TaskGrid> {
  const kit = gridTestKit();
  const grid = await Spacelog.start({
    space,
    partitions,
    schemas: EXAMPLE_SCHEMAS,
    prefix: kit.prefix,
    kafka: { brokers: kit.brokers },
    lingerMs: 1,
  });
  const tasks = new TaskRegistry(grid);
  const services = new ServiceRegistry(tasks);
  const inProcess = new PartitionedSpace(space, grid.types, partitions, (k) => grid.engine(k), tasks);
  const server = await SpaceServer.listen({ space: inProcess, types: grid.types }, { port: 0 });
  const client = await Remote.connect({ bootstrap: [server.endpoint], space, retry: { maxBackoffMs: 50 } });
  return {
    kit,
    grid,
    tasks,
    services,
    space: inProcess,
    server,
    client,
    close: async () => {
      await client.close();
      await server.close();
      await grid.close();
      await kit.cleanup();
    },
  };
}
