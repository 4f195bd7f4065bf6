import { CollocatedSpace, type ClosableSpace } from '../../../src/cluster/CollocatedSpace';
import { partitionOf } from '../../../src/api/partitionOf';
import { NotPrimaryError, SpaceClosedError } from '../../../src/errors';
import type { SpaceEngine } from '../../../src/space/SpaceEngine';
import { exampleTypes, newEngine, order } from '../space/fixtures';

const PARTITIONS = 2;
const routed = (customerId: string): number => partitionOf(customerId, PARTITIONS);

/** The routed client, as a fake that records what reached it and answers from its own engine. */
function fakeRemote(engine: SpaceEngine): { calls: string[]; space: () => Promise<ClosableSpace> } {
  const calls: string[] = [];
  const space = {
    read: (type: string, selector: { id: string }) => {
      calls.push(`read ${selector.id}`);
      return engine.read(type, selector);
    },
    close: async () => undefined,
  } as unknown as ClosableSpace;
  return { calls, space: async () => space };
}

/** One partition's state as the unit sees it, moved by the test. */
interface Partition {
  engine: SpaceEngine;
  /** Serving as primary now (the fast path). */
  serving: boolean;
  /** Placed here as primary (the waiting path). */
  led: boolean;
}

async function setUp(): Promise<{
  space: CollocatedSpace;
  partition: Partition;
  remoteCalls: string[];
  localCalls: number[];
}> {
  const local = newEngine().engine;
  await local.write('Order', order('o1', { customerId: 'c1' }));
  const elsewhere = newEngine().engine;
  await elsewhere.write('Order', order('o1', { customerId: 'c1', status: 'SHIPPED' }));
  const partition: Partition = { engine: local, serving: true, led: true };
  const remote = fakeRemote(elsewhere);
  const localCalls: number[] = [];
  const space = new CollocatedSpace({
    name: 'orders',
    types: exampleTypes(),
    partitions: PARTITIONS,
    isLocal: () => partition.led,
    local: (k) => {
      localCalls.push(k);
      if (!partition.led) throw new NotPrimaryError('not led here', { partition: k });
      return partition.engine;
    },
    serving: () => (partition.serving ? partition.engine : undefined),
    remote: remote.space,
  });
  return { space, partition, remoteCalls: remote.calls, localCalls };
}

describe('CollocatedSpace reads (ctx.space in a processing unit)', () => {
  it('reads a partition it serves straight from the serving engine: no client, no waiting path', async () => {
    const { space, remoteCalls, localCalls } = await setUp();
    const found = await space.read('Order', { id: 'o1' }, { routing: 'c1' });
    expect(found).toMatchObject({ id: 'o1', status: 'NEW' });
    expect(remoteCalls).toEqual([]);
    expect(localCalls).toEqual([]);
  });

  it('asks the client when the unit no longer serves the partition (moved away, or out of touch with its group)', async () => {
    const { space, partition, remoteCalls } = await setUp();
    partition.serving = false;
    partition.led = false;
    const found = await space.read('Order', { id: 'o1' }, { routing: 'c1' });
    expect(found).toMatchObject({ status: 'SHIPPED' });
    expect(remoteCalls).toEqual(['read o1']);
  });

  it('takes the waiting path while a partition placed here is not serving yet', async () => {
    const { space, partition, remoteCalls, localCalls } = await setUp();
    partition.serving = false;
    const found = await space.read('Order', { id: 'o1' }, { routing: 'c1' });
    expect(found).toMatchObject({ status: 'NEW' });
    expect(localCalls).toEqual([routed('c1')]);
    expect(remoteCalls).toEqual([]);
  });

  it('falls back to the client when the engine closed as the partition moved (nothing was read there)', async () => {
    const { space, partition, remoteCalls } = await setUp();
    partition.serving = false;
    partition.engine.close();
    const found = await space.read('Order', { id: 'o1' }, { routing: 'c1' });
    expect(found).toMatchObject({ status: 'SHIPPED' });
    expect(remoteCalls).toEqual(['read o1']);
  });

  it('a waiting read never takes the fast path (it may outlive the partition here)', async () => {
    const { space, remoteCalls, localCalls } = await setUp();
    const found = await space.read('Order', { id: 'o1' }, { routing: 'c1', timeout: 10 });
    expect(found).toMatchObject({ status: 'NEW' });
    expect(localCalls).toEqual([routed('c1')]);
    expect(remoteCalls).toEqual([]);
  });

  it('once closed, connects no new client: an operation that needs one fails with SpaceClosedError', async () => {
    const { space, partition, remoteCalls } = await setUp();
    await space.close();
    partition.serving = false;
    partition.led = false;
    await expect(space.read('Order', { id: 'o1' }, { routing: 'c1' })).rejects.toBeInstanceOf(
      SpaceClosedError,
    );
    expect(remoteCalls).toEqual([]);
  });
});
