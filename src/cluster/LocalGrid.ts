import '../disposeSymbols';
import type { Kafka } from 'kafkajs';
import { CorruptLogError } from '../errors';
import type { ContainerHost, PartitionEventListener } from '../events/ContainerHost';
import { HostedContainers } from '../events/HostedContainers';
import type { NotifyContainer } from '../events/NotifyContainer';
import type { NotifyContainerOptions } from '../events/NotifyOptions';
import { PartitionEvents } from '../events/PartitionEvents';
import type { PollingContainer } from '../events/PollingContainer';
import type { PollingContainerOptions } from '../events/PollingOptions';
import { ServiceRegistry } from '../events/ServiceRegistry';
import { TaskRegistry } from '../events/TaskRegistry';
import type { TopicAdmin } from '../log/admin/TopicAdmin';
import type { ReplicaLogOptions } from '../partition/ReplicaLog';
import type { SpaceEngine } from '../space/SpaceEngine';
import { PrimaryPartition, type PrimaryRole, type StoredEntryView } from '../partition/PrimaryPartition';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { PartitionedSpace } from '../api/PartitionedSpace';
import type { Space } from '../api/Space';
import type { UntypedEntries } from '../api/typedEntries';
import type { MirrorProjector } from '../mirror/MirrorProjector';
import { EventLoopLagMonitor, type EventLoopLag } from '../ops/metrics/EventLoopLag';
import { GridMirror } from '../mirror/GridMirror';
import { resolveLogger } from '../ops/logging/createLogger';
import { partitionEventErrors } from '../ops/logging/listenerErrors';
import { checkGridOptions, type GridOptions } from './GridConfig';
import { prepareSpace, primaryOptionsOf, replicaLogOf, type PreparedSpace } from './SpaceSetup';
import type { HttpEndpoint } from '../http/HttpEndpoint';
import { readinessOf, type Readiness } from '../http/Readiness';
import { startOperationsEndpoint, type OperationsEndpoint } from '../http/startOperationsEndpoint';
import { mergeSnapshots, type MetricsSnapshot } from '../ops/metrics/MetricsSnapshot';
import { spaceMetrics } from '../ops/metrics/spaceMetrics';
import type { UnitStatus } from '../ops/status/UnitStatus';
import { mountConsole } from '../console/mountConsole';
import { LocalGridConsoleSource } from './LocalGridConsoleSource';

/** What the console's units panel shows for the grid's wire endpoint: it has none of its own. */
const IN_PROCESS_ENDPOINT = 'in process';

/** One partition as `grid.status()` reports it. */
export interface PartitionStatus {
  readonly partition: number;
  readonly role: PrimaryRole;
  readonly entries: number;
}

/**
 * A grid in one process: every partition of a space hosted here as primary. Start creates or checks
 * the topics, registers the schemas (refusing an incompatible change), fences any older primaries
 * and warms every partition up from its log. The Space API routes each operation to its partition.
 * It is also a `ContainerHost`: polling and notify containers, tasks and services run on it in-process.
 */
export class LocalGrid implements ContainerHost, AsyncDisposable {
  readonly space: Space;
  readonly unit = 'local';
  readonly types: TypeRegistry;
  /** Tasks run by `space.execute` / `executeAll` (and by remote clients of a server on this grid). */
  readonly tasks: TaskRegistry;
  /** Services callable through `space.remote<T>(name)`. */
  readonly services: ServiceRegistry;
  private readonly topics: TopicAdmin;
  private readonly containers: HostedContainers;
  private closing: Promise<void> | undefined;
  private readonly loopLag = new EventLoopLagMonitor();
  private operations: OperationsEndpoint | undefined;
  private unmountConsole: (() => Promise<void>) | undefined;

  private constructor(
    private readonly prepared: PreparedSpace,
    private readonly options: GridOptions,
    private readonly primaryPartitions: readonly PrimaryPartition[],
    private readonly events: PartitionEvents,
    private readonly mirrorSide: GridMirror | undefined,
  ) {
    this.types = prepared.types;
    this.topics = prepared.topics;
    this.tasks = new TaskRegistry(this);
    this.services = new ServiceRegistry(this.tasks);
    this.containers = new HostedContainers(this);
    this.space = new PartitionedSpace(
      options.space,
      this.types,
      primaryPartitions.length,
      (k) => this.engine(k),
      this.tasks,
    );
  }

  get spaceName(): string {
    return this.options.space;
  }

  get partitions(): number {
    return this.primaryPartitions.length;
  }

  get kafka(): Kafka {
    return this.prepared.kafka;
  }

  get prefix(): string {
    return this.prepared.prefix;
  }

  /** Partitions serving now (all of them, unless one is fenced, failed or corrupt). */
  primaries(): number[] {
    return this.events.primaries();
  }

  /** The serving engine of partition k (it may wait for a warm-up or a rebuild). */
  engine(partition: number): SpaceEngine | Promise<SpaceEngine> {
    return this.primaryPartitions[partition]!.engine();
  }

  /** Hears role changes of the partitions (see `ContainerHost.onPartitionEvent`). */
  onPartitionEvent(listener: PartitionEventListener): () => void {
    return this.events.listen(listener);
  }

  /** How to read partition k's log. */
  logOf(partition: number): ReplicaLogOptions {
    return replicaLogOf(this.prepared, this.options, partition);
  }

  /**
   * Starts a polling container on every partition (docs/polling-containers.md); `close()` drains and
   * stops it. `grid.pollingContainer<SpacelogTypes, SpacelogInputs>(…)` types its handler's entry and `tx`.
   */
  pollingContainer<TM extends object = UntypedEntries, TI extends object = TM>(
    options: PollingContainerOptions<NoInfer<TM>, NoInfer<TI>>,
  ): PollingContainer {
    return this.containers.polling<TM, TI>(options);
  }

  /**
   * Starts a durable notify container on every partition (docs/notify-containers.md); `close()` stops it.
   * `grid.notifyContainer<SpacelogTypes>({ type: 'Order', … })` types its events' entry.
   */
  notifyContainer<TM extends object = UntypedEntries>(
    options: NotifyContainerOptions<NoInfer<TM>>,
  ): NotifyContainer {
    return this.containers.notify<TM>(options);
  }

  /**
   * The embedded PostgreSQL mirror (option `mirror`), if it projects in this process:
   * `grid.mirror.waitFor(result.position, timeoutMs)` reads your own write, `lag()` tells how far behind it is.
   */
  get mirror(): MirrorProjector | undefined {
    return this.mirrorSide?.projector;
  }

  /** Settles once the embedded mirror consumes (it starts in the background after the grid serves). */
  mirrorStarted(): Promise<void> {
    return this.mirrorSide?.started() ?? Promise.resolve();
  }

  /** Starts the grid; resolves once every partition serves. */
  static async start(options: GridOptions): Promise<LocalGrid> {
    const checked = checkGridOptions(options);
    const prepared = await prepareSpace(options);
    const { types } = prepared;
    let mirror: GridMirror | undefined;
    try {
      mirror =
        checked.mirror === undefined
          ? undefined
          : new GridMirror(checked.mirror, options.space, types, {
              prefix: prepared.prefix,
              connection: prepared.connection,
              logger: resolveLogger(options.logger),
            });
    } catch (error) {
      // The admin client goes too if the mirror's pool cannot be made.
      await prepared.topics.close().catch(() => undefined);
      throw error;
    }
    const fromMirror = options.warmup === 'mirror' ? mirror : undefined;
    const events = new PartitionEvents(
      partitionEventErrors(prepared.logger, options.onListenerError, options.space),
    );
    const primaries = Array.from(
      { length: options.partitions },
      (_, partition) =>
        new PrimaryPartition({
          ...primaryOptionsOf(prepared, options, partition),
          onRoleChange: (k, role, reason) => {
            prepared.stats.partition(k).roleChanged(role);
            events.place(k, role === 'primary' ? 'primary' : 'none', reason?.message);
            options.onRoleChange?.(k, role, reason);
          },
          ...(fromMirror
            ? {
                snapshot: () => fromMirror.snapshot(partition),
                onSnapshotError: (k: number, error: unknown) => options.mirror?.onWarmupFallback?.(k, error),
              }
            : {}),
        }),
    );
    const grid = new LocalGrid(prepared, options, primaries, events, mirror);
    try {
      // Up before the warm-up, so /readyz says which partitions are still warming.
      if (options.http !== undefined) {
        grid.operations = await startOperationsEndpoint(options.http, grid, () => grid.readiness());
        if (options.http.console !== false) grid.mountConsole(grid.operations.endpoint);
      }
      // A partition whose log is corrupt stays unready (role `corrupt`, its operations get the
      // CorruptLogError); the grid serves the others. Any other failure fails the start.
      await Promise.all(primaries.map((p) => p.start().catch(keepCorrupt)));
    } catch (error) {
      await grid.close();
      throw error;
    }
    void mirror?.start();
    return grid;
  }

  /** Role and size of every partition. */
  status(): PartitionStatus[] {
    return this.primaryPartitions.map((p) => ({ partition: p.partition, role: p.role, entries: p.size }));
  }

  /**
   * How late this process's event loop runs (p50, p99 and max over the last 10 to 20 s). A stall shows
   * in `maxMs` at once, and for one to two intervals after it ends.
   */
  eventLoopLag(): EventLoopLag {
    return this.loopLag.lag();
  }

  /**
   * The grid's metrics now (operations, appends, roles, warm-up, entries per type and partition,
   * event-loop lag, and the embedded mirror's lag): names and labels in docs/operations.md.
   */
  async metrics(): Promise<MetricsSnapshot> {
    const grid = spaceMetrics({
      space: this.options.space,
      unit: this.unit,
      stats: this.prepared.stats,
      eventLoopLag: this.loopLag.lag(),
      replicas: this.primaryPartitions.map((p) => ({
        partition: p.partition,
        kind: 'primary' as const,
        ready: p.ready,
        warmup: p.ready ? 1 : this.prepared.stats.partition(p.partition).warmup,
        entries: p.servingEngine()?.state.countsByType() ?? new Map<string, number>(),
      })),
    });
    const mirror = this.mirror;
    if (mirror === undefined) return grid;
    // A mirror that cannot tell its lag now (Kafka unreachable) leaves its figures out of this scrape.
    const mirrored = await mirror.metrics().catch(() => undefined);
    return mirrored === undefined ? grid : mergeSnapshots([grid, mirrored]);
  }

  /** Ready when every partition serves (what `/readyz` answers). */
  readiness(): Readiness {
    return readinessOf(
      this.primaryPartitions.map((p) => ({
        partition: p.partition,
        kind: 'primary' as const,
        role: p.role,
        ready: p.ready,
      })),
      this.closing !== undefined ? 'closing' : undefined,
    );
  }

  /**
   * The grid's HTTP endpoint (option `http`): `/metrics`, `/healthz`, `/readyz` and the web console
   * at `/console`; other routes mount on it with `route(method, pathPrefix, handler)`.
   */
  get http(): HttpEndpoint | undefined {
    return this.operations?.endpoint;
  }

  /** Every resident entry of every partition, with its partition (for comparisons with a fold of the log). */
  *entries(): IterableIterator<StoredEntryView & { readonly partition: number }> {
    for (const p of this.primaryPartitions)
      for (const e of p.entries()) yield { ...e, partition: p.partition };
  }

  /** `await using` ends the scope with `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Flushes every partition's pending appends and disconnects. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.loopLag.stop();
      await this.unmountConsole?.();
      await this.operations?.endpoint.close();
      await this.containers.stopAll();
      await Promise.all(this.primaryPartitions.map((p) => p.close()));
      await this.mirrorSide?.close();
      await this.topics.close();
    })();
    return this.closing;
  }

  /**
   * The web console at /console, read in this process: the grid as unit `local` holding every
   * partition as primary, counts and queries through its own space. The endpoint serves loopback
   * addresses only (a grid has no security block), so it asks no credentials.
   */
  private mountConsole(endpoint: HttpEndpoint): void {
    const { prepared, mirrorSide } = this;
    this.unmountConsole = mountConsole(endpoint, {
      space: this.options.space,
      source: new LocalGridConsoleSource({
        space: this.space,
        types: this.types,
        status: () => this.unitStatus(),
        connection: prepared.connection,
        prefix: prepared.prefix,
        ...(mirrorSide === undefined
          ? {}
          : { mirror: { knex: mirrorSide.database, schema: mirrorSide.schema } }),
        onWarning: (line) => prepared.logger.warn({ component: 'console' }, line),
      }),
    });
  }

  /**
   * The grid as a unit's report (`cluster status`): every partition a primary here, its warm-up
   * followed by its log reader's progress. Its placement is the one it started with (epoch 1).
   */
  private unitStatus(): UnitStatus {
    return {
      unit: this.unit,
      endpoint: IN_PROCESS_ENDPOINT,
      epoch: 1,
      replicas: this.primaryPartitions.map((p) => ({
        partition: p.partition,
        kind: 'primary' as const,
        role: p.role,
        ready: p.ready,
        entries: p.size,
        lag: 0,
        warmup: p.ready ? 100 : this.prepared.stats.partition(p.partition).warmup * 100,
      })),
      eventLoopLag: this.loopLag.lag(),
    };
  }
}

function keepCorrupt(error: unknown): void {
  if (!(error instanceof CorruptLogError)) throw error;
}
