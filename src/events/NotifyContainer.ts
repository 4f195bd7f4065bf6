import type { Admin } from 'kafkajs';
import type { UntypedEntries } from '../api/typedEntries';
import type { ContainerHooks } from './ContainerHooks';
import type { ContainerHost, PartitionEvent } from './ContainerHost';
import { NotifyFilter } from './NotifyFilter';
import {
  resolveNotifyOptions,
  untypedNotifyOptions,
  type NotifyContainerOptions,
  type ResolvedNotifyOptions,
} from './NotifyOptions';
import { NotifyPartition, type NotifyPartitionStatus } from './NotifyPartition';
import { KafkaNotifyPositions } from './NotifyPositions';
import { notifyGroupId } from '../log/admin/topicNames';

/**
 * A durable notify container (XAP's notify container, made durable by the log): on the primary of
 * every partition its host leads it tails that partition's log from the position stored under its
 * name, delivers matching mutations in batches, at least once, each with its `partition:offset` id,
 * and stores the position after each handled batch. It follows the host's primaries: it starts a
 * partition as it becomes primary here and stops it as it stops being primary; another unit that takes
 * the partition over resumes from the stored position. See docs/notify-containers.md.
 */
export class NotifyContainer {
  readonly name: string;
  /** The Kafka consumer group its positions are stored in. */
  readonly groupId: string;
  private readonly options: ResolvedNotifyOptions;
  private readonly running = new Map<number, NotifyPartition>();
  /** Partitions still draining after `primary-lost`: a new start there waits for the drain's store. */
  private readonly stopping = new Map<number, Promise<void>>();
  private readonly unsubscribe: () => void;
  private admin: Promise<Admin> | undefined;
  private closing: Promise<void> | undefined;

  /**
   * Starts the container on `host` (see `startNotifyContainer`); throws on invalid options. `hooks` is
   * for the host that started it (@internal).
   */
  constructor(
    private readonly host: ContainerHost,
    options: NotifyContainerOptions,
    private readonly hooks: ContainerHooks = {},
  ) {
    this.options = resolveNotifyOptions(options);
    this.name = this.options.name;
    this.groupId = notifyGroupId(host.prefix, host.spaceName, this.name);
    // Checks the type and compiles the template or query now, so a bad filter throws here.
    this.filter();
    this.unsubscribe = host.onPartitionEvent((event) => this.onPartitionEvent(event));
  }

  /** Progress per partition that runs here now, ascending. */
  status(): NotifyPartitionStatus[] {
    return [...this.running.values()].map((p) => p.status()).sort((a, b) => a.partition - b.partition);
  }

  /**
   * Stops every partition: reading stops, the handler call in flight finishes and its position is
   * stored (events read ahead and not handled come again at the next start). Idempotent.
   */
  stop(): Promise<void> {
    this.closing ??= this.close().finally(() => this.hooks.onStopped?.());
    return this.closing;
  }

  private async close(): Promise<void> {
    this.unsubscribe();
    const partitions = [...this.running.values()];
    this.running.clear();
    await Promise.all([...partitions.map((p) => p.stop()), ...this.stopping.values()]);
    const admin = this.admin;
    this.admin = undefined;
    if (admin !== undefined) await (await admin.catch(() => undefined))?.disconnect();
  }

  private onPartitionEvent(event: PartitionEvent): void {
    if (this.closing !== undefined) return;
    if (event.kind === 'primary') this.startPartition(event.partition);
    else if (event.kind === 'primary-lost') this.stopPartition(event.partition);
  }

  private startPartition(partition: number): void {
    if (this.running.has(partition)) return;
    const runner = new NotifyPartition({
      options: this.options,
      partition,
      log: this.host.logOf(partition),
      positions: new KafkaNotifyPositions({
        kafka: this.host.kafka,
        admin: () => this.sharedAdmin(),
        prefix: this.host.prefix,
        space: this.host.spaceName,
        container: this.name,
        partition,
      }),
      filter: this.filter(),
    });
    this.running.set(partition, runner);
    // Started before the previous runner stored its drained batch, the new one would fence that
    // store and deliver the batch again.
    runner.start(this.stopping.get(partition));
  }

  private stopPartition(partition: number): void {
    const runner = this.running.get(partition);
    if (runner === undefined) return;
    this.running.delete(partition);
    const stopped = runner.stop();
    this.stopping.set(partition, stopped);
    void stopped.finally(() => {
      if (this.stopping.get(partition) === stopped) this.stopping.delete(partition);
    });
  }

  /** A filter per partition: it remembers which entries of that partition did not match. */
  private filter(): NotifyFilter {
    return new NotifyFilter(this.options, this.host.types);
  }

  private sharedAdmin(): Promise<Admin> {
    if (this.admin === undefined) {
      const admin = this.host.kafka.admin();
      const connected = admin.connect().then(() => admin);
      connected.catch(() => {
        if (this.admin === connected) this.admin = undefined; // the next fetch tries a new one
      });
      this.admin = connected;
    }
    return this.admin;
  }
}

/**
 * Starts a durable notify container on a host (a processing unit or `Spacelog.start`'s grid): it runs
 * on every partition the host leads, now and as primaries move. Throws InvalidArgumentError on bad
 * options (name, unknown type, bad query, unknown keys). Given a space's type map
 * (`startNotifyContainer<SpacelogTypes>(host, { type: 'Order', … })`), the events' entry is typed by
 * it (see `NotifyContainerOptions`).
 */
export function startNotifyContainer<TM extends object = UntypedEntries>(
  host: ContainerHost,
  options: NotifyContainerOptions<NoInfer<TM>>,
): NotifyContainer {
  return new NotifyContainer(host, untypedNotifyOptions(options));
}
