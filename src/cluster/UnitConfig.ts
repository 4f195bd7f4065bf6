import {
  optionKeys,
  rejectBadNumbers,
  rejectNonObject,
  rejectUnknownKeys,
  type NumberRules,
} from '../config/optionKeys';
import { UnitConfigError } from '../errors';
import type { Space } from '../api/Space';
import type { UntypedEntries } from '../api/typedEntries';
import type { ContainerHost, PartitionEvent, PartitionEventListener } from '../events/ContainerHost';
import type { NotifyContainer } from '../events/NotifyContainer';
import type { NotifyContainerOptions } from '../events/NotifyOptions';
import type { PollingContainer } from '../events/PollingContainer';
import type { PollingContainerOptions } from '../events/PollingOptions';
import type { ExportOptions } from '../events/ServiceRegistry';
import type { TaskRegistry } from '../events/TaskRegistry';
import type { BackupRole } from '../partition/BackupPartition';
import type { PrimaryRole } from '../partition/PrimaryPartition';
import { checkGridOptions, GRID_OPTION_KEYS, type GridOptions } from './GridConfig';
import { DEFAULT_MEMBERSHIP_TIMING, type MembershipTiming } from './UnitMembership';
import { checkUnitBind, checkUnitSecurityKeys, type UnitSecurityOptions } from './UnitSecurity';
import { withDefaults } from '../config/withDefaults';

/** What collocated code gets when its processing unit starts. */
export interface UnitContext {
  /**
   * The whole space: operations on partitions this unit leads run in-process (no socket, no
   * serialisation), others go to their primaries through the routed client; same API and errors.
   * Transactions run in-process on one partition this unit leads.
   */
  readonly space: Space;
  /** This unit's name in the cluster. */
  readonly unit: string;
  /** The unit as containers, tasks and services need it (in-process engines, partition events, log). */
  readonly host: ContainerHost;
  /** Partitions this unit is primary of right now. */
  primaries(): number[];
  /**
   * Hears this unit's partition role changes (XAP's primary-backup events): `primary` (serving here),
   * `primary-lost`, `backup` (a ready hot backup here), `backup-lost`. Partitions already led here
   * are announced at once. Returns the unsubscribe function.
   */
  onPartitionEvent(listener: PartitionEventListener): () => void;
  /** Tasks by name, run at a partition's primary by `space.execute` / `executeAll` from any client. */
  readonly tasks: TaskRegistry;
  /** Exports a service: any client calls it through `space.remote<T>(name)` (docs/tasks-and-remoting.md). */
  export<T extends object>(name: string, impl: T, options?: ExportOptions): () => void;
  /**
   * Starts a polling container on this unit's primaries, following them as they move; the unit
   * stops it (draining in-flight cycles) before it hands its partitions over (docs/polling-containers.md).
   * `ctx.pollingContainer<SpacelogTypes, SpacelogInputs>(…)` types its handler's entry and `tx`.
   */
  pollingContainer<TM extends object = UntypedEntries, TI extends object = TM>(
    options: PollingContainerOptions<NoInfer<TM>, NoInfer<TI>>,
  ): PollingContainer;
  /**
   * Starts a durable notify container on this unit's primaries (docs/notify-containers.md); stopped on close.
   * `ctx.notifyContainer<SpacelogTypes>({ type: 'Order', … })` types its events' entry.
   */
  notifyContainer<TM extends object = UntypedEntries>(
    options: NotifyContainerOptions<NoInfer<TM>>,
  ): NotifyContainer;
}

/**
 * A module of collocated code: `start` runs once the unit serves; what it returns is stopped first on
 * close. An exported `onPartitionEvent` hears the unit's partition role changes after `start`.
 */
export interface UnitServices {
  start(context: UnitContext): Promise<{ stop?(): Promise<void> } | void> | { stop?(): Promise<void> } | void;
  onPartitionEvent?(event: PartitionEvent): void;
}

/** What `ProcessingUnit.start` (and `spacelog pu start --config`) takes. */
export interface UnitOptions extends Omit<GridOptions, 'mirror' | 'warmup' | 'onRoleChange'> {
  /** Backups per partition (N), default 1; capped at the unit count minus one. */
  readonly backups?: number;
  /** Name of the unit in the cluster, unique per space; default `<host>:<port>`. */
  readonly unit?: string;
  /** Interface the server binds; default 127.0.0.1. */
  readonly host?: string;
  /** Port of the server; default 7400, 0 picks a free one. */
  readonly port?: number;
  /** Host clients should dial (published in the partition map); default `host`. */
  readonly advertisedHost?: string;
  /** Group timing: a dead unit is noticed after `sessionTimeoutMs` (default 10 s). */
  readonly membership?: Partial<MembershipTiming>;
  /** Collocated code: a module path (relative to the config file) or the module itself. */
  readonly services?: string | UnitServices;
  /** Told of every replica change on this unit. */
  readonly onReplicaChange?: (change: ReplicaChange) => void;
  /**
   * TLS, authentication and permissions of the unit's server, and how its own client authenticates
   * to the other units (docs/security.md). Without TLS the unit binds loopback addresses only, unless
   * `security.insecure` is true.
   */
  readonly security?: UnitSecurityOptions;
}

/** A replica of this unit changed role. */
export interface ReplicaChange {
  readonly partition: number;
  readonly role: PrimaryRole | BackupRole | 'none';
  readonly kind: 'primary' | 'backup' | 'none';
  readonly reason?: string;
}

/** UnitOptions with every default applied. @internal */
export interface ResolvedUnitOptions extends UnitOptions {
  readonly backups: number;
  readonly host: string;
  readonly port: number;
  readonly timing: MembershipTiming;
}

export const DEFAULT_BACKUPS = 1;
export const DEFAULT_UNIT_HOST = '127.0.0.1';
export const DEFAULT_UNIT_PORT = 7400;

/** The keys a unit takes besides the grid's (the others are checked as grid options). */
const OWN_KEYS = optionKeys<Omit<UnitOptions, keyof GridOptions>>({
  backups: true,
  unit: true,
  host: true,
  port: true,
  advertisedHost: true,
  membership: true,
  services: true,
  onReplicaChange: true,
  security: true,
});
/** Grid options UnitOptions omits: `mirror`, `warmup` (from the mirror), `onRoleChange` (see onReplicaChange). */
const GRID_ONLY_KEYS = optionKeys<Omit<GridOptions, keyof UnitOptions>>({
  mirror: true,
  warmup: true,
  onRoleChange: true,
});
/** Every key of UnitOptions. */
const UNIT_KEYS: ReadonlySet<string> = new Set([
  ...[...GRID_OPTION_KEYS].filter((key) => !GRID_ONLY_KEYS.has(key)),
  ...OWN_KEYS,
]);
const TIMING_KEYS = optionKeys<MembershipTiming>({
  sessionTimeoutMs: true,
  heartbeatIntervalMs: true,
  rebalanceTimeoutMs: true,
});

const TIMING_NUMBERS: NumberRules<MembershipTiming> = {
  sessionTimeoutMs: { integer: true, min: 1 },
  heartbeatIntervalMs: { integer: true, min: 1 },
  rebalanceTimeoutMs: { integer: true, min: 1 },
};

/** Applies defaults; unknown keys and bad values are refused with the key and the reason. */
export function resolveUnitOptions(options: UnitOptions, source = 'unit options'): ResolvedUnitOptions {
  rejectNonObject(options, source, (message) => new UnitConfigError(message));
  const refusal = (message: string): UnitConfigError =>
    new UnitConfigError(`${source}: ${message}`, { space: options.space });
  rejectUnknownKeys(options, UNIT_KEYS, (key) => refusal(`unknown unit option '${key}'`));
  const gridPart: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (!OWN_KEYS.has(key)) gridPart[key] = value;
  try {
    checkGridOptions(gridPart as unknown as GridOptions);
  } catch (error) {
    throw new UnitConfigError(`${source}: ${(error as Error).message}`, { cause: error });
  }
  const fail = (message: string): never => {
    throw refusal(message);
  };
  if (typeof options.space !== 'string' || options.space.length === 0)
    fail('space is required (the space name)');
  if (options.schemas === undefined) fail('schemas is required (a folder of .avsc entry types)');
  const backups = options.backups ?? DEFAULT_BACKUPS;
  if (!Number.isInteger(backups) || backups < 0 || backups > 8)
    fail(`backups must be an integer 0..8, got ${String(backups)}`);
  const port = options.port ?? DEFAULT_UNIT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`port must be 0..65535, got ${String(port)}`);
  if (options.unit !== undefined && (typeof options.unit !== 'string' || options.unit.length === 0)) {
    fail('unit must be a non-empty string');
  }
  rejectNonObject(options.membership, 'membership', refusal);
  rejectUnknownKeys(options.membership ?? {}, TIMING_KEYS, (key) =>
    refusal(`unknown membership option '${key}'`),
  );
  // NaN passes every comparison below: the numbers are checked as numbers first.
  rejectBadNumbers(options.membership, 'membership', TIMING_NUMBERS, refusal);
  const timing = withDefaults(DEFAULT_MEMBERSHIP_TIMING, options.membership);
  if (timing.sessionTimeoutMs < 6000)
    fail(`membership.sessionTimeoutMs must be at least 6000 (Kafka's floor)`);
  if (timing.heartbeatIntervalMs * 3 > timing.sessionTimeoutMs) {
    fail('membership.heartbeatIntervalMs must be at most a third of sessionTimeoutMs');
  }
  if (typeof options.services === 'object' && typeof options.services.start !== 'function') {
    fail('services must export a start(context) function');
  }
  checkUnitSecurityKeys(options.security, refusal);
  const host = options.host ?? DEFAULT_UNIT_HOST;
  checkUnitBind(host, options.security, source);
  return { ...options, backups, port, host, timing };
}
