import { SpaceClosedError } from '../errors';
import type { ContainerHost } from './ContainerHost';
import { startNotifyContainer, type NotifyContainer } from './NotifyContainer';
import type { NotifyContainerOptions } from './NotifyOptions';
import { startPollingContainer, type PollingContainer } from './PollingContainer';
import type { PollingContainerOptions } from './PollingOptions';

/**
 * The containers started on one host through its own API (`ctx.pollingContainer`,
 * `grid.notifyContainer`, ...): the host stops them, draining their in-flight cycles, before it lets
 * its partitions go, so no cycle commits into a partition that is being handed over.
 */
export class HostedContainers {
  private readonly running = new Set<{ stop(): Promise<void> }>();
  private closed = false;

  constructor(private readonly host: ContainerHost) {}

  /** Starts a polling container on the host (see `PollingContainer`). */
  polling(options: PollingContainerOptions): PollingContainer {
    return this.track(startPollingContainer(this.host, options));
  }

  /** Starts a durable notify container on the host (see `NotifyContainer`). */
  notify(options: NotifyContainerOptions): NotifyContainer {
    return this.track(startNotifyContainer(this.host, options));
  }

  /** Stops every container started here (each drains its in-flight work). Idempotent. */
  async stopAll(): Promise<void> {
    this.closed = true;
    const all = [...this.running];
    this.running.clear();
    await Promise.allSettled(all.map((c) => c.stop()));
  }

  private track<C extends { stop(): Promise<void> }>(container: C): C {
    if (this.closed) {
      void container.stop();
      throw new SpaceClosedError(`${this.host.unit} is closing: no container starts on it`, {
        space: this.host.spaceName,
      });
    }
    this.running.add(container);
    return container;
  }
}
