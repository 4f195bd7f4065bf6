/**
 * What the host that started a container hears from it (`HostedContainers`), beside the options the
 * application passes. Not an option: `startPollingContainer` and `startNotifyContainer` pass none,
 * `grid.*Container` and `ctx.*Container` their `HostedContainers`' own.
 * @internal
 */
export interface ContainerHooks {
  /**
   * Called once, when the container's stop has finished (its in-flight work drained or failed),
   * whoever stopped it: the application, or the host closing.
   */
  readonly onStopped?: () => void;
}
