import '../disposeSymbols';
import { resolve as resolvePath } from 'node:path';
import type { Kafka } from 'kafkajs';
import { NotPrimaryError, UnitConfigError } from '../errors';
import { PartitionedSpace } from '../api/PartitionedSpace';
import { RemoteSpace } from '../client/RemoteSpace';
import type { Space } from '../api/Space';
import type { ContainerHost, PartitionEventListener } from '../events/ContainerHost';
import { HostedContainers } from '../events/HostedContainers';
import { PartitionEvents, type PartitionPlace } from '../events/PartitionEvents';
import { ServiceRegistry } from '../events/ServiceRegistry';
import { TaskRegistry } from '../events/TaskRegistry';
import type { NotifyContainerOptions } from '../events/NotifyOptions';
import type { PollingContainerOptions } from '../events/PollingOptions';
import { SpaceServer } from '../net/SpaceServer';
import type { ReplicaLogOptions } from '../partition/ReplicaLog';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { SpaceEngine } from '../space/SpaceEngine';
import { CollocatedSpace } from './CollocatedSpace';
import { partitionEventErrors } from '../ops/logging/listenerErrors';
import type { Placement } from '../ops/status/Placement';
import { EventLoopLagMonitor } from '../ops/metrics/EventLoopLag';
import { retryWhileMetadataLags } from '../log/connection/kafkaErrors';
import { prepareSpace, primaryOptionsOf, replicaLogOf, type PreparedSpace } from './SpaceSetup';
import {
  resolveUnitOptions,
  type ReplicaChange,
  type ResolvedUnitOptions,
  type UnitOptions,
  type UnitServices,
} from './UnitConfig';
import type { MemberInfo } from './SpacelogAssigner';
import { UnitMembership } from './UnitMembership';
import { UnitReplicas } from './UnitReplicas';
import type { UnitStatus } from '../ops/status/UnitStatus';
import type { HttpEndpoint } from '../http/HttpEndpoint';
import { unitReadiness, type Readiness } from '../http/Readiness';
import { startOperationsEndpoint, type OperationsEndpoint } from '../http/startOperationsEndpoint';
import { mountConsole } from '../console/mountConsole';
import { SpaceConsoleSource } from './SpaceConsoleSource';
import type { MetricsSnapshot } from '../ops/metrics/MetricsSnapshot';
import { spaceMetrics } from '../ops/metrics/spaceMetrics';
import { serverSecurityOf, unitClientOf } from './UnitSecurity';

/** How long a stopping unit keeps answering (NotPrimaryError, DESCRIBE) once its partitions moved. */
const CLIENT_MOVE_GRACE_MS = 1000;

/** How long a unit that still wants a new placement waits before asking for another rebalance. */
const REBALANCE_RETRY_MS = 5000;

/**
 * A processing unit: one process of a space's cluster. It joins the space's Kafka consumer group
 * (membership and placement, see `SpacelogAssigner`), hosts the primaries and hot backups the
 * placement gives it, serves remote clients on its port (operations for a partition it is not
 * primary of get the retriable NotPrimaryError, so clients refresh their map), and runs the user's
 * collocated code next to its primaries (it is their `ContainerHost`: `space` runs operations on
 * partitions led here in-process). `close()` hands its partitions over before it exits.
 */
export class ProcessingUnit implements ContainerHost, AsyncDisposable {
  readonly name: string;
  /** The space as collocated code sees it: in-process for partitions led here, routed otherwise. */
  readonly space: CollocatedSpace;
  /** Tasks run at this unit's primaries (`space.execute` from any client, `ctx.tasks.register`). */
  readonly tasks: TaskRegistry;
  /** Services exported by this unit (`ctx.export`), called through `space.remote<T>(name)`. */
  readonly services: ServiceRegistry;
  /** Containers started through `ctx`; stopped (drained) first on close. */
  private readonly containers: HostedContainers;
  private userServices: { stop?(): Promise<void> } | void = undefined;
  private stopServiceEvents: (() => void) | undefined;
  private rebalanceTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly loopLag = new EventLoopLagMonitor();
  private operations: OperationsEndpoint | undefined;
  private unmountConsole: (() => Promise<void>) | undefined;
  /**
   * How long after the group last confirmed it this unit stops serving: by then another unit may
   * have replaced it (the session timeout, less a heartbeat of margin).
   */
  private readonly zombieAfterMs: number;

  private constructor(
    private readonly options: ResolvedUnitOptions,
    private readonly prepared: PreparedSpace,
    readonly server: SpaceServer,
    private readonly replicas: UnitReplicas,
    private readonly membership: UnitMembership,
    private readonly events: PartitionEvents,
    tasks: TaskRegistry,
    readonly endpoint: string,
    name: string,
  ) {
    this.zombieAfterMs = options.timing.sessionTimeoutMs - options.timing.heartbeatIntervalMs;
    this.name = name;
    this.tasks = tasks;
    this.services = new ServiceRegistry(tasks);
    this.containers = new HostedContainers(this);
    this.space = new CollocatedSpace({
      name: options.space,
      types: prepared.types,
      partitions: options.partitions,
      isLocal: (k) => events.isPrimary(k),
      local: (k) => this.access(k),
      serving: (k) => (this.inGroup() ? this.replicas.servingEngine(k) : undefined),
      // The unit's own client authenticates as the unit (its certificate or its credentials).
      remote: () =>
        RemoteSpace.connect({
          bootstrap: [endpoint],
          space: options.space,
          ...unitClientOf(options.security),
        }),
      tasks,
    });
  }

  /**
   * Starts a unit: checks the space's topics and schemas, listens, joins the group. Resolves once
   * it is a member with a placement (its replicas warm up behind; `waitUntilServing` waits for them).
   */
  static async start(input: UnitOptions, baseDir = process.cwd()): Promise<ProcessingUnit> {
    const options = resolveUnitOptions(input);
    // Checked before anything starts: a unit that could not reach the other units fails now.
    unitClientOf(options.security);
    const security = serverSecurityOf(options.security);
    const prepared = await prepareSpace(options);
    // The server and the group callbacks need the unit, which needs them: they reach it through here.
    const self: { unit?: ProcessingUnit } = {};
    const access = (k: number): SpaceEngine | Promise<SpaceEngine> => {
      if (self.unit === undefined) throw new NotPrimaryError(`unit is starting`, { partition: k });
      return self.unit.access(k);
    };
    // Tasks read the unit (its collocated space) only when they run, so the registry comes first.
    const tasks = new TaskRegistry({
      get unit(): string {
        return self.unit?.name ?? '';
      },
      partitions: options.partitions,
      get space(): Space {
        if (self.unit === undefined) throw new NotPrimaryError(`unit is starting`);
        return self.unit.space;
      },
      engine: access,
    });
    const served: Space = new PartitionedSpace(
      options.space,
      prepared.types,
      options.partitions,
      access,
      tasks,
    );
    const server = await SpaceServer.listen(
      { space: served, types: prepared.types },
      {
        port: options.port,
        host: options.host,
        partition: access,
        partitionMap: () => self.unit?.partitionMap(),
        unitStatus: () => ({ ...self.unit?.status() }),
        ...(security !== undefined ? { security } : {}),
        // The unit's name is its endpoint unless given, and the endpoint is known once bound.
        logger: prepared.logger.child({
          component: 'server',
          ...(options.unit ? { unit: options.unit } : {}),
        }),
      },
    );
    const endpoint = `${options.advertisedHost ?? options.host}:${server.port}`;
    const name = options.unit ?? endpoint;
    const log = prepared.logger.child({ unit: name });
    const events = new PartitionEvents(partitionEventErrors(log, options.onListenerError, options.space));
    const replicas = new UnitReplicas({
      unit: name,
      partitions: options.partitions,
      primaryOptions: (k) => primaryOptionsOf(prepared, options, k, log),
      backupOptions: (k) => replicaLogOf(prepared, options, k, log),
      onChange: (change) => {
        prepared.stats.partition(change.partition).roleChanged(change.role);
        events.place(change.partition, placeOf(change), change.reason);
        options.onReplicaChange?.(change);
      },
      onBackupReady: () => self.unit?.askForPlacement(),
      onPrimaryLost: () => self.unit?.askForPlacement(),
    });
    const membership: UnitMembership = new UnitMembership({
      logger: log,
      kafka: prepared.kafka,
      prefix: prepared.prefix,
      space: options.space,
      shape: { partitions: options.partitions, backups: options.backups },
      timing: options.timing,
      announce: (): MemberInfo => ({
        kind: 'unit',
        report: {
          unit: name,
          endpoint,
          epoch: membership.placement?.epoch ?? 0,
          replicas: self.unit?.closing ? [] : replicas.reports(),
        },
      }),
      onPlacement: (placement) => replicas.apply(placement),
    });
    const unit = new ProcessingUnit(
      options,
      prepared,
      server,
      replicas,
      membership,
      events,
      tasks,
      endpoint,
      name,
    );
    self.unit = unit;
    try {
      // Up before the group places anything, so /readyz tells a starting unit from a serving one.
      if (options.http !== undefined) {
        unit.operations = await startOperationsEndpoint(
          options.http,
          unit,
          () => unit.readiness(),
          serverSecurityOf(options.security),
        );
        if (options.http.console !== false) {
          // The web console at /console. Its query box and tail show entries: on a secured unit only a
          // principal granted `read` on the space sees it, and the console reads as the unit itself.
          const { brokers, ssl, sasl } = options.kafka ?? {};
          const permissions = unit.operations.security?.permissions;
          unit.unmountConsole = mountConsole(unit.operations.endpoint, {
            space: options.space,
            source: new SpaceConsoleSource({
              space: options.space,
              prefix: prepared.prefix,
              kafka: {
                ...(brokers && { brokers }),
                ...(ssl !== undefined && { ssl }),
                ...(sasl && { sasl }),
              },
              bootstrap: [endpoint],
              ...unitClientOf(options.security),
            }),
            ...(permissions === undefined
              ? {}
              : {
                  mayRead: (principal: string) =>
                    (principal === 'anonymous'
                      ? permissions.anonymousGrants(options.space)
                      : permissions.grantsOf(principal, options.space)
                    ).missing('READ', false, undefined) === undefined,
                }),
          });
        }
      }
      await retryWhileMetadataLags(() => prepared.topics.ensureUnitsTopic(options.space));
      await membership.start();
      await unit.startServices(baseDir);
    } catch (error) {
      await unit.close();
      throw error;
    }
    return unit;
  }

  get types(): TypeRegistry {
    return this.prepared.types;
  }

  /** The unit's name (ContainerHost). */
  get unit(): string {
    return this.name;
  }

  get spaceName(): string {
    return this.options.space;
  }

  get partitions(): number {
    return this.options.partitions;
  }

  get kafka(): Kafka {
    return this.prepared.kafka;
  }

  get prefix(): string {
    return this.prepared.prefix;
  }

  /**
   * The in-process engine of partition k while this unit leads it (it may wait for the warm-up);
   * the retriable NotPrimaryError otherwise, or once this unit lost touch with its group.
   */
  engine(partition: number): SpaceEngine | Promise<SpaceEngine> {
    return this.access(partition);
  }

  /**
   * Hears this unit's partition role changes (primary here, primary lost, backup ready, backup
   * lost); the partitions already led here are announced at once. Returns the unsubscribe function.
   */
  onPartitionEvent(listener: PartitionEventListener): () => void {
    return this.events.listen(listener);
  }

  /** How to read partition k's log. */
  logOf(partition: number): ReplicaLogOptions {
    return replicaLogOf(this.prepared, this.options, partition);
  }

  /** The placement this unit follows. */
  get placement(): Placement | undefined {
    return this.membership.placement;
  }

  /** Role, readiness, lag and size of every replica here. */
  status(): UnitStatus {
    return {
      unit: this.name,
      endpoint: this.endpoint,
      epoch: this.membership.placement?.epoch ?? 0,
      replicas: this.replicas.status(),
      eventLoopLag: this.loopLag.lag(),
    };
  }

  /**
   * The unit's metrics now: operations, appends, role changes, warm-up, entries per type and
   * partition of every replica here, backup lag, connections, event-loop lag (docs/operations.md).
   */
  metrics(): MetricsSnapshot {
    const stats = this.prepared.stats;
    return spaceMetrics({
      space: this.options.space,
      unit: this.name,
      stats,
      eventLoopLag: this.loopLag.lag(),
      connections: this.server.connectionCount,
      replicas: this.replicas.status().map((r) => ({
        partition: r.partition,
        kind: r.kind,
        ready: r.ready,
        // A primary's warm-up is followed by its log reader's progress (the status knows only done or not).
        warmup: r.kind === 'primary' && !r.ready ? stats.partition(r.partition).warmup : r.warmup / 100,
        lag: r.lag,
        entries: this.replicas.countsByType(r.partition),
      })),
    });
  }

  /**
   * Ready when every partition the placement assigns to this unit has its replica here ready (a
   * primary serving, a backup caught up): what `/readyz` answers. Not before the first placement,
   * nor once the unit lost touch with its group or is closing.
   */
  readiness(): Readiness {
    const replicas = this.replicas.status();
    const readiness = unitReadiness(this.name, this.membership.placement, replicas, this.inGroup());
    return this.closing === undefined ? readiness : { ...readiness, ready: false, reason: 'closing' };
  }

  /**
   * The unit's HTTP endpoint (option `http`): `/metrics`, `/healthz`, `/readyz`; the web console
   * mounts its pages on it with `route(method, pathPrefix, handler)`.
   */
  get http(): HttpEndpoint | undefined {
    return this.operations?.endpoint;
  }

  /** Partitions this unit serves as primary now. */
  primaries(): number[] {
    return this.replicas.primaries();
  }

  /** `await using` ends the scope with `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Graceful stop: stops the collocated code, drains and gives up every primary (clients get the
   * retriable NotPrimaryError and find the new primaries), leaves the group so the backups elsewhere
   * are promoted at once, then closes the server. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.loopLag.stop();
      if (this.rebalanceTimer) clearTimeout(this.rebalanceTimer);
      this.stopServiceEvents?.();
      await this.containers.stopAll();
      await Promise.resolve(this.userServices?.stop?.()).catch(() => undefined);
      await this.space.close();
      await this.replicas.close();
      // Clients that ask this unit where its partitions went must hear the new placement, not the
      // old one, before its server closes under them (a closed connection fails requests in flight).
      await this.membership.leaveAndFollow(this.name, this.options.timing.rebalanceTimeoutMs);
      await new Promise((r) => setTimeout(r, CLIENT_MOVE_GRACE_MS));
      await this.membership.stop();
      await this.server.close();
      await this.unmountConsole?.();
      await this.operations?.endpoint.close();
      await this.prepared.topics.close().catch(() => undefined);
    })();
    return this.closing;
  }

  /** The serving engine of partition k, if this unit is its primary and still in the group. */
  private access(k: number): SpaceEngine | Promise<SpaceEngine> {
    // A unit that has not heard from the group for a session may already be replaced (a zombie):
    // it must not answer, whatever its replicas believe (docs/design.md law 3).
    if (!this.inGroup()) {
      throw new NotPrimaryError(
        `unit ${this.name} lost touch with its cluster's group; refresh the partition map and retry`,
        { space: this.options.space, partition: k },
      );
    }
    return this.replicas.engine(k);
  }

  /** True while the group confirmed this unit recently enough that no other unit can have replaced it. */
  private inGroup(): boolean {
    return this.membership.confirmedWithin(this.zombieAfterMs);
  }

  /** The endpoint of each partition's primary (this unit's own where none is placed yet). */
  private partitionMap(): string[] | undefined {
    const placement = this.membership.placement;
    if (placement === undefined) return undefined;
    return placement.partitions.map((p) => (p.primary && placement.endpoints[p.primary]) || this.endpoint);
  }

  /**
   * Asks the group to place again (debounced) when this unit needs a new placement: a backup became
   * ready while the placement gives this unit fewer primaries than its share (a ready backup can take
   * one over), or a primary placed here was fenced with no placement behind it (the partition has no
   * primary until the group places it again). While the need lasts (a nudge lost in a busy
   * rebalance), it asks again every few seconds.
   */
  private askForPlacement(): void {
    if (this.rebalanceTimer || this.closing || !this.needsPlacement()) return;
    this.rebalanceTimer = setTimeout(() => {
      void this.membership
        .requestRebalance()
        .catch(() => undefined)
        .finally(() => {
          this.rebalanceTimer = setTimeout(() => {
            this.rebalanceTimer = undefined;
            this.askForPlacement();
          }, REBALANCE_RETRY_MS);
          this.rebalanceTimer.unref();
        });
    }, 300);
    this.rebalanceTimer.unref();
  }

  private needsPlacement(): boolean {
    if (this.replicas.lostPrimaries().length > 0) return true;
    return this.belowShare() && this.replicas.status().some((r) => r.kind === 'backup' && r.ready);
  }

  /** Fewer primaries placed here than this unit's floor share of the partitions. */
  private belowShare(): boolean {
    const placement = this.membership.placement;
    if (placement === undefined) return false;
    const units = Object.keys(placement.endpoints).length;
    const mine = placement.partitions.filter((p) => p.primary === this.name).length;
    return mine < Math.floor(this.options.partitions / Math.max(1, units));
  }

  private async startServices(baseDir: string): Promise<void> {
    const spec = this.options.services;
    if (spec === undefined) return;
    const services: UnitServices =
      typeof spec === 'string' ? ((await import(resolvePath(baseDir, spec))) as UnitServices) : spec;
    if (typeof services.start !== 'function') {
      throw new UnitConfigError(`services module ${String(spec)} exports no start(context) function`);
    }
    this.userServices = await services.start({
      space: this.space,
      unit: this.name,
      host: this,
      primaries: () => this.primaries(),
      onPartitionEvent: (listener) => this.onPartitionEvent(listener),
      tasks: this.tasks,
      export: (name, impl, exportOptions) => this.services.export(name, impl, exportOptions),
      pollingContainer: <TM extends object, TI extends object>(
        containerOptions: PollingContainerOptions<TM, TI>,
      ) => this.containers.polling<TM, TI>(containerOptions),
      notifyContainer: <TM extends object>(containerOptions: NotifyContainerOptions<TM>) =>
        this.containers.notify<TM>(containerOptions),
    });
    const hook = services.onPartitionEvent;
    if (typeof hook === 'function') this.stopServiceEvents = this.onPartitionEvent((e) => hook(e));
  }
}

/** Where a replica change leaves its partition on this unit. */
function placeOf(change: ReplicaChange): PartitionPlace {
  if (change.kind === 'primary') return change.role === 'primary' ? 'primary' : 'none';
  if (change.kind === 'backup') return change.role === 'backup' ? 'backup' : 'none';
  return 'none';
}
