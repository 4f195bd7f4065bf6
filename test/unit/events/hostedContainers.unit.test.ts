import { SpaceClosedError } from '../../../src/errors';
import { HostedContainers } from '../../../src/events/HostedContainers';
import { NotifyContainer } from '../../../src/events/NotifyContainer';
import { PollingContainer } from '../../../src/events/PollingContainer';
import { order } from '../space/fixtures';
import { FakeHost } from './pollingFixtures';

describe('HostedContainers', () => {
  const options = { name: 'orders', type: 'Order', handler: async () => undefined };

  /** A hosted polling container whose handler is in the middle of a cycle until `release()`. */
  async function busyContainer(): Promise<{
    hosted: HostedContainers;
    container: PollingContainer;
    release: () => void;
  }> {
    const host = new FakeHost(1);
    const hosted = new HostedContainers(host);
    let release: () => void = () => undefined;
    const handling = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const container = hosted.polling({
      ...options,
      handler: async () => {
        entered = true;
        await handling;
      },
    });
    await host.space.write('Order', order('o-1'));
    while (!entered) await new Promise((r) => setTimeout(r, 5));
    return { hosted, container, release };
  }

  test('regression: forgets a container the application stopped itself, so a host that starts and stops many keeps none', async () => {
    const hosted = new HostedContainers(new FakeHost(2));
    for (let i = 0; i < 50; i++) await hosted.polling({ ...options, name: `c${i}` }).stop();
    expect(hosted.size).toBe(0);
    const kept = hosted.polling(options);
    expect(hosted.size).toBe(1);
    await hosted.stopAll();
    expect(hosted.size).toBe(0);
    expect(kept.status().state).toBe('stopped');
  });

  test('regression: stopAll still waits for the drain of a container the application is stopping', async () => {
    const { hosted, container, release } = await busyContainer();
    void container.stop();
    let allStopped = false;
    const all = hosted.stopAll().then(() => (allStopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(allStopped).toBe(false);
    release();
    await all;
    expect(container.status().state).toBe('stopped');
  });

  test("a container the application stops is counted until its drain ends, then forgotten (the container's onStopped hook)", async () => {
    const { hosted, container, release } = await busyContainer();
    const stopping = container.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(container.status().state).toBe('stopping');
    expect(hosted.size).toBe(1);
    release();
    await stopping;
    expect(container.status().state).toBe('stopped');
    expect(hosted.size).toBe(0);
  });

  test('a notify container the application stops is forgotten too', async () => {
    const hosted = new HostedContainers(new FakeHost(0));
    const container = hosted.notify({ name: 'feed', type: 'Order', handler: async () => undefined });
    expect(hosted.size).toBe(1);
    await container.stop();
    expect(hosted.size).toBe(0);
  });

  test("container.stop is the container's own method, not a wrapper the host put on it", async () => {
    const hosted = new HostedContainers(new FakeHost(0));
    const polling = hosted.polling(options);
    const notify = hosted.notify({ name: 'feed', type: 'Order', handler: async () => undefined });
    expect(Object.prototype.hasOwnProperty.call(polling, 'stop')).toBe(false);
    expect(polling.stop).toBe(PollingContainer.prototype.stop);
    expect(Object.prototype.hasOwnProperty.call(notify, 'stop')).toBe(false);
    expect(notify.stop).toBe(NotifyContainer.prototype.stop);
    await hosted.stopAll();
    expect(hosted.size).toBe(0);
  });

  test('stopAll stops the running ones; after it nothing starts', async () => {
    const hosted = new HostedContainers(new FakeHost(1));
    const running = hosted.polling(options);
    await hosted.stopAll();
    expect(running.status().state).toBe('stopped');
    expect(() => hosted.polling(options)).toThrow(SpaceClosedError);
  });

  test('a closed host refuses a container before building it (a notify container would start reading)', async () => {
    const host = new FakeHost(1);
    const hosted = new HostedContainers(host);
    await hosted.stopAll();
    const listen = jest.spyOn(host, 'onPartitionEvent');
    expect(() => hosted.notify({ name: 'feed', type: 'Order', handler: async () => undefined })).toThrow(
      SpaceClosedError,
    );
    expect(listen).not.toHaveBeenCalled();
    expect(hosted.size).toBe(0);
  });
});
