import { PartitionedSpace } from '../../../src/api/PartitionedSpace';
import { SpaceClosedError, type SpacelogError } from '../../../src/errors';
import type { SpaceEvent } from '../../../src/space/SubscriptionHub';
import { ALL } from '../../../src/space/Selector';
import { exampleTypes, newEngine, order } from './fixtures';

describe('subscriptions of an in-process space end when their engine closes', () => {
  it('tells onEnd once with SpaceClosedError, and delivers nothing after', async () => {
    const { engine } = newEngine();
    const heard: string[] = [];
    const ends: SpacelogError[] = [];
    engine.subscribe('Order', ALL, (e) => heard.push(e.id), { onEnd: (error) => ends.push(error) });
    await engine.write('Order', order('o1'));
    engine.close();
    engine.close();
    expect(heard).toEqual(['o1']);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toBeInstanceOf(SpaceClosedError);
    // A subscription made on a closed engine is told at once, not never.
    const late: SpacelogError[] = [];
    engine.subscribe('Order', ALL, () => undefined, { onEnd: (error) => late.push(error) });
    await Promise.resolve();
    expect(late).toHaveLength(1);
  });

  it('a watch over the partitions ends with the error when one partition engine closes (a failover, a rebuild, the grid closing)', async () => {
    const engines = [newEngine().engine, newEngine().engine];
    const space = new PartitionedSpace('orders', exampleTypes(), 2, (k) => engines[k]!);
    const watch = space.watch('Order');
    await watch.ready;
    await engines[0]!.write('Order', order('o1'));
    const seen: string[] = [];
    const ended = (async () => {
      for await (const event of watch as AsyncIterable<SpaceEvent>) seen.push(event.id);
    })();
    await new Promise((r) => setTimeout(r, 10));
    engines[0]!.close();
    await expect(ended).rejects.toBeInstanceOf(SpaceClosedError);
    expect(seen).toEqual(['o1']);
  });

  it('the subscription over the partitions stops on the others too, and says so once', async () => {
    const engines = [newEngine().engine, newEngine().engine];
    const space = new PartitionedSpace('orders', exampleTypes(), 2, (k) => engines[k]!);
    const heard: string[] = [];
    const ends: SpacelogError[] = [];
    await space.subscribe('Order', ALL, (e) => heard.push(e.id), { onEnd: (error) => ends.push(error) });
    await engines[1]!.write('Order', order('o1'));
    engines[0]!.close();
    await engines[1]!.write('Order', order('o2'));
    expect(heard).toEqual(['o1']);
    expect(ends).toHaveLength(1);
  });
});
