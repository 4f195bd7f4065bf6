import { hostname } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { MutationCodec } from '../log/MutationCodec';
import { SchemaTopic } from '../log/SchemaTopic';
import { TopicAdmin } from '../log/TopicAdmin';
import { PrimaryPartition, type PrimaryRole, type StoredEntryView } from '../partition/PrimaryPartition';
import { SchemaLoader } from '../schema/SchemaLoader';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { PartitionedSpace } from '../client/PartitionedSpace';
import type { Space } from '../client/Space';
import type { MirrorProjector } from '../mirror/MirrorProjector';
import { GridMirror } from './GridMirror';
import {
  brokersFromEnv,
  checkGridOptions,
  DEFAULT_LEASE_SWEEP_MS,
  DEFAULT_PREFIX,
  DEFAULT_READY_WAIT_MS,
  type GridOptions,
} from './GridConfig';

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
 */
export class LocalGrid {
  readonly space: Space;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly types: TypeRegistry,
    private readonly topics: TopicAdmin,
    private readonly primaries: readonly PrimaryPartition[],
    name: string,
    private readonly mirrorSide: GridMirror | undefined,
  ) {
    this.space = new PartitionedSpace(name, types, primaries.length, (k) => primaries[k]!.engine());
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
    checkGridOptions(options);
    const types =
      typeof options.schemas === 'string' ? SchemaLoader.loadFolder(options.schemas) : options.schemas;
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    const kafka = new Kafka({
      clientId: options.kafka?.clientId ?? `spacelog-${options.space}`,
      brokers: [...(options.kafka?.brokers ?? brokersFromEnv())],
      logLevel: logLevel.NOTHING,
    });
    const topics = new TopicAdmin({
      kafka,
      prefix,
      ...(options.kafka?.replicationFactor !== undefined
        ? { replicationFactor: options.kafka.replicationFactor }
        : {}),
      ...(options.kafka?.minInsyncReplicas !== undefined
        ? { minInsyncReplicas: options.kafka.minInsyncReplicas }
        : {}),
    });
    try {
      await topics.ensureSpace(options.space, options.partitions);
      const schemaTopic = new SchemaTopic({ kafka, topics });
      const writerSchemas = await schemaTopic.register([...types]);
      const codec = new MutationCodec({ types: [...types], writerSchemas });
      const origin = options.origin ?? `${hostname()}:${process.pid}`;
      const mirror =
        options.mirror === undefined
          ? undefined
          : new GridMirror(options.mirror, options.space, types, {
              prefix,
              brokers: options.kafka?.brokers ?? brokersFromEnv(),
            });
      const fromMirror = options.warmup === 'mirror' ? mirror : undefined;
      const primaries = Array.from(
        { length: options.partitions },
        (_, partition) =>
          new PrimaryPartition({
            kafka,
            prefix,
            space: options.space,
            partition,
            types,
            codec,
            schemaTopic,
            origin,
            replication: options.replication ?? 'sync',
            leaseSweepMs: options.leaseSweepMs ?? DEFAULT_LEASE_SWEEP_MS,
            readyWaitMs: options.readyWaitMs ?? DEFAULT_READY_WAIT_MS,
            ...(options.asyncWindow !== undefined ? { asyncWindow: options.asyncWindow } : {}),
            ...(options.limits ? { limits: options.limits } : {}),
            ...(options.lingerMs !== undefined ? { appender: { lingerMs: options.lingerMs } } : {}),
            ...(options.onProgress ? { onProgress: options.onProgress } : {}),
            ...(options.onRoleChange ? { onRoleChange: options.onRoleChange } : {}),
            ...(fromMirror
              ? {
                  snapshot: () => fromMirror.snapshot(partition),
                  onSnapshotError: (k: number, error: unknown) =>
                    options.mirror?.onWarmupFallback?.(k, error),
                }
              : {}),
          }),
      );
      const grid = new LocalGrid(types, topics, primaries, options.space, mirror);
      try {
        await Promise.all(primaries.map((p) => p.start()));
      } catch (error) {
        await grid.close();
        throw error;
      }
      void mirror?.start();
      return grid;
    } catch (error) {
      await topics.close().catch(() => undefined);
      throw error;
    }
  }

  /** Role and size of every partition. */
  status(): PartitionStatus[] {
    return this.primaries.map((p) => ({ partition: p.partition, role: p.role, entries: p.size }));
  }

  /** Every resident entry of every partition, with its partition (for comparisons with a fold of the log). */
  *entries(): IterableIterator<StoredEntryView & { readonly partition: number }> {
    for (const p of this.primaries) for (const e of p.entries()) yield { ...e, partition: p.partition };
  }

  /** Flushes every partition's pending appends and disconnects. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.primaries.map((p) => p.close()));
      await this.mirrorSide?.close();
      await this.topics.close();
    })();
    return this.closing;
  }
}
