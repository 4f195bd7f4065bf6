import type { Space } from '../../../src/api/Space';
import type { RemoteSpace } from '../../../src/client/RemoteSpace';
import type { LocalGrid } from '../../../src/cluster/LocalGrid';
import type { ServiceRegistry } from '../../../src/events/ServiceRegistry';
import type { TaskRegistry } from '../../../src/events/TaskRegistry';
import { SpaceServer } from '../../../src/net/SpaceServer';
import { Spacelog } from '../../../src/index';
import { EXAMPLE_SCHEMAS, gridTestKit, type GridTestKit } from '../../support';

/**
 * A real one-process grid (Spacelog.start, real Kafka) with its task and service registries, a
 * SpaceServer serving the grid, and a remote client connected to that server.
 */
export interface TaskGrid {
  readonly kit: GridTestKit;
  readonly grid: LocalGrid;
  readonly tasks: TaskRegistry;
  readonly services: ServiceRegistry;
  /** The grid's own space: tasks run in process. */
  readonly space: Space;
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
  const server = await SpaceServer.listen(grid, { port: 0 });
  const client = await Spacelog.connect({
    bootstrap: [server.endpoint],
    space,
    retry: { maxBackoffMs: 50 },
  });
  return {
    kit,
    grid,
    tasks: grid.tasks,
    services: grid.services,
    space: grid.space,
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
