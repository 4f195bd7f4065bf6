import type { UntypedEntries } from '../api/typedEntries';
import { SpaceClosedError } from '../errors';
import type { ContainerHooks } from './ContainerHooks';
import type { ContainerHost } from './ContainerHost';
import { NotifyContainer } from './NotifyContainer';
import { untypedNotifyOptions, type NotifyContainerOptions } from './NotifyOptions';
import { PollingContainer } from './PollingContainer';
import { untypedPollingOptions, type PollingContainerOptions } from './PollingOptions';

/**
 * The containers started on one host through its own API (`ctx.pollingContainer`,
 * `grid.notifyContainer`, ...): the host stops them, draining their in-flight cycles, before it lets
 * its partitions go, so no cycle commits into a partition that is being handed over.
 */
export class HostedContainers {
  private readonly running = new Set<{ stop(): Promise<void> }>();
  private closed = false;

  constructor(private readonly host: ContainerHost) {}

  /** Starts a polling container on the host (see `PollingContainer`), typed by `TM`, `TI` if given. */
  polling<TM extends object = UntypedEntries, TI extends object = TM>(
    options: PollingContainerOptions<NoInfer<TM>, NoInfer<TI>>,
  ): PollingContainer {
    return this.track((hooks) => new PollingContainer(this.host, untypedPollingOptions(options), hooks));
  }

  /** Starts a durable notify container on the host (see `NotifyContainer`), typed by `TM` if given. */
  notify<TM extends object = UntypedEntries>(options: NotifyContainerOptions<NoInfer<TM>>): NotifyContainer {
    return this.track((hooks) => new NotifyContainer(this.host, untypedNotifyOptions(options), hooks));
  }

  /** Containers started here whose stop has not finished. */
  get size(): number {
    return this.running.size;
  }

  /** Stops every container started here (each drains its in-flight work). Idempotent. */
  async stopAll(): Promise<void> {
    this.closed = true;
    const all = [...this.running];
    this.running.clear();
    await Promise.allSettled(all.map((c) => c.stop()));
  }

  /**
   * Starts a container with a hook that forgets it once its stop has drained: a container the
   * application stops itself is forgotten then (so stopAll still waits for a drain under way), and a
   * long-lived host does not keep every one it ever ran.
   */
  private track<C extends { stop(): Promise<void> }>(start: (hooks: ContainerHooks) => C): C {
    // Refused before it is built: a notify container starts reading as it is made, and one made on a
    // closing host would be stopped by nobody who waits for it.
    if (this.closed) {
      throw new SpaceClosedError(`${this.host.unit} is closing: no container starts on it`, {
        space: this.host.spaceName,
      });
    }
    // The hook runs only once a stop finished, so never before `container` is assigned.
    const container: C = start({ onStopped: () => this.running.delete(container) });
    this.running.add(container);
    return container;
  }
}
