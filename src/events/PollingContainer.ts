import { SpaceRouting } from '../api/SpaceRouting';
import type { UntypedEntries } from '../api/typedEntries';
import type { EntryType } from '../schema/EntryType';
import { compileSelector } from '../space/compileSelector';
import type { Entry } from '../schema/Entry';
import { queryCompiler } from '../space/QuerySelection';
import type { Selection } from '../space/Selection';
import type { ContainerHooks } from './ContainerHooks';
import type { ContainerHost, PartitionEvent } from './ContainerHost';
import { requireDeadLetterType } from './deadLetter';
import { PartitionPoller, type PollingCounters } from './PartitionPoller';
import {
  resolvePollingOptions,
  untypedPollingOptions,
  type PollingContainerOptions,
  type ResolvedPollingOptions,
} from './PollingOptions';

/** One partition of a polling container, as `status()` reports it. */
export interface PollingPartitionStatus {
  readonly partition: number;
  /**
   * `running`: a cycle is in flight; `idle`: every loop waits for a match; `stopping`: draining;
   * `stopped`: not primary here (any more), counts kept from earlier tenures.
   */
  readonly state: 'running' | 'idle' | 'stopping' | 'stopped';
  readonly cyclesInFlight: number;
  /** Entry versions that failed and wait for a retry or a dead-letter move. */
  readonly retrying: number;
  /** Entries committed with their handler's work. */
  readonly processed: number;
  /** Failed attempts (each rolled back). */
  readonly failed: number;
  /** Entries moved to the dead-letter type. */
  readonly deadLettered: number;
}

/** A polling container's state and per-partition counts. */
export interface PollingContainerStatus {
  readonly name: string;
  readonly type: string;
  readonly state: 'running' | 'stopping' | 'stopped';
  readonly partitions: readonly PollingPartitionStatus[];
}

/**
 * XAP's polling container on a Spacelog host: on every partition the host leads, `concurrency` loops
 * take matching entries (up to `batchSize` per cycle) in a transaction pinned to that partition, run
 * the handler on each, and commit the take with everything the handler wrote, changed or took
 * through its `tx`, all or nothing (one Kafka transaction). It follows the host's primaries: a
 * `primary` event starts a partition's loops, `primary-lost` stops them (their in-flight cycles roll
 * back, never commit). A failed attempt rolls back (the entry returns to the space) and is retried
 * after a backoff; after `maxAttempts` the entry moves to `<Type>DeadLetter` in one transaction.
 * See docs/polling-containers.md.
 */
export class PollingContainer {
  private readonly options: ResolvedPollingOptions;
  private readonly entryType: EntryType;
  private readonly deadLetterType: EntryType;
  private readonly selection: Selection;
  private readonly routing: SpaceRouting;
  private readonly pollers = new Map<number, PartitionPoller>();
  private readonly counters = new Map<number, PollingCounters>();
  private readonly retiring = new Set<Promise<void>>();
  private readonly unsubscribe: () => void;
  private stopping: Promise<void> | undefined;
  private stopped = false;

  /**
   * Checks the options and the dead-letter type, then starts on every partition the host leads now.
   * Throws InvalidArgumentError (bad options) or DeadLetterTypeError (`<Type>DeadLetter` missing or
   * misshapen; the error carries the schema to declare). `hooks` is for the host that started it
   * (@internal).
   */
  constructor(
    private readonly host: ContainerHost,
    options: PollingContainerOptions,
    private readonly hooks: ContainerHooks = {},
  ) {
    this.options = resolvePollingOptions(options, host.types);
    this.entryType = host.types.require(this.options.type);
    this.deadLetterType = requireDeadLetterType(host.types, this.entryType);
    this.selection = compileSelector(this.entryType, this.options.selector, queryCompiler());
    this.routing = new SpaceRouting(host.partitions);
    // Last: the host announces its current primaries synchronously, into a fully built container.
    this.unsubscribe = host.onPartitionEvent((event) => this.onPartitionEvent(event));
  }

  get name(): string {
    return this.options.name;
  }

  /**
   * Stops: no new cycles anywhere; in-flight cycles finish (commit or roll back); resolves once they
   * did. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.unsubscribe();
      const pollers = [...this.pollers.values()];
      this.pollers.clear();
      await Promise.all([...pollers.map((p) => p.stop()), ...this.retiring]);
      this.stopped = true;
    })().finally(() => this.hooks.onStopped?.());
    return this.stopping;
  }

  status(): PollingContainerStatus {
    const partitions = [...new Set([...this.counters.keys(), ...this.pollers.keys()])].sort((a, b) => a - b);
    return {
      name: this.options.name,
      type: this.options.type,
      state: this.stopped ? 'stopped' : this.stopping ? 'stopping' : 'running',
      partitions: partitions.map((partition) => {
        const poller = this.pollers.get(partition);
        const counts = this.countersOf(partition);
        return {
          partition,
          state: poller?.state ?? 'stopped',
          cyclesInFlight: poller?.cyclesInFlight ?? 0,
          retrying: poller?.retrying ?? 0,
          processed: counts.processed,
          failed: counts.failed,
          deadLettered: counts.deadLettered,
        };
      }),
    };
  }

  private onPartitionEvent(event: PartitionEvent): void {
    if (this.stopping) return;
    if (event.kind === 'primary') {
      if (this.pollers.has(event.partition)) return;
      const poller = new PartitionPoller(event.partition, {
        host: this.host,
        options: this.options,
        entryType: this.entryType,
        deadLetterType: this.deadLetterType,
        selection: this.selection,
        routing: this.routing,
        counters: this.countersOf(event.partition),
        report: (error, entry, attempt) => this.report(error, entry, attempt),
      });
      this.pollers.set(event.partition, poller);
      poller.start();
    } else if (event.kind === 'primary-lost') {
      const poller = this.pollers.get(event.partition);
      if (poller === undefined) return;
      this.pollers.delete(event.partition);
      const retired = poller.lose().finally(() => this.retiring.delete(retired));
      this.retiring.add(retired);
    }
  }

  private countersOf(partition: number): PollingCounters {
    let counts = this.counters.get(partition);
    if (counts === undefined) {
      counts = { processed: 0, failed: 0, deadLettered: 0 };
      this.counters.set(partition, counts);
    }
    return counts;
  }

  private report(error: unknown, entry: Entry | null, attempt: number): void {
    const onError = this.options.onError;
    if (onError === undefined) return;
    try {
      onError(error, entry, attempt);
    } catch (thrown) {
      process.emitWarning(
        `polling container '${this.options.name}': onError threw: ${String(thrown)}`,
        'SPACELOG_LISTENER_ERROR',
      );
    }
  }
}

/**
 * Starts a polling container on a host (a processing unit's context, or a `Spacelog.start` grid).
 * Throws InvalidArgumentError or DeadLetterTypeError at once; see `PollingContainer`. Given a space's
 * maps (`startPollingContainer<SpacelogTypes, SpacelogInputs>(host, …)`), the handler's entry and `tx`
 * are typed by them (see `PollingContainerOptions`).
 */
export function startPollingContainer<TM extends object = UntypedEntries, TI extends object = TM>(
  host: ContainerHost,
  options: PollingContainerOptions<NoInfer<TM>, NoInfer<TI>>,
): PollingContainer {
  return new PollingContainer(host, untypedPollingOptions(options));
}
