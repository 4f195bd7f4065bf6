import type { Admin } from 'kafkajs';
import { ConnectionPool } from '../../client/ConnectionPool';
import { describeAt } from '../../client/RemoteCall';
import type { ClusterView, PartitionView } from '../../cluster/ClusterStatus';
import type { Placement } from '../../cluster/Placement';
import type { UnitStatus } from '../../cluster/ProcessingUnit';
import { describePlacement } from '../../cluster/UnitMembership';
import type { ReplicaStatus } from '../../cluster/UnitReplicas';
import { fetchEndOffsets } from '../../mirror/MirrorLag';
import { partitionTopic, unitsGroupId } from '../../log/topicNames';
import { DEFAULT_MAX_FRAME_BYTES } from '../../net/protocol';
import type { ClientSecurity } from '../../net/security/ClientSecurity';

/** How long the DESCRIBE of one unit may take: a killed unit must not hold the page up. */
export const DEFAULT_UNIT_DESCRIBE_TIMEOUT_MS = 2000;

/**
 * Reads the cluster of a space as `spacelog cluster status` does (the placement from the units'
 * Kafka group, then a DESCRIBE of each unit), but over one Kafka admin and one connection pool kept
 * for the console's life, since a console reads it every few seconds.
 */
export class ClusterReader {
  private readonly pool: ConnectionPool;
  private connected: Promise<void> | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly options: {
      readonly prefix: string;
      readonly space: string;
      readonly timeoutMs?: number;
      readonly security?: ClientSecurity;
    },
  ) {
    this.pool = new ConnectionPool({
      connectTimeoutMs: options.timeoutMs ?? DEFAULT_UNIT_DESCRIBE_TIMEOUT_MS,
      maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
      onEvent: () => undefined,
      onLost: () => undefined,
      ...(options.security === undefined ? {} : { security: options.security }),
    });
  }

  /** The placement and each unit's report; a unit that does not answer carries its error. */
  async cluster(): Promise<ClusterView> {
    await this.connect();
    const { prefix, space } = this.options;
    const placement = await describePlacement(this.admin, unitsGroupId(prefix, space));
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_UNIT_DESCRIBE_TIMEOUT_MS;
    const units: Record<string, { endpoint: string; status?: UnitStatus; error?: string }> = {};
    await Promise.all(
      Object.entries(placement?.endpoints ?? {}).map(async ([unit, endpoint]) => {
        try {
          const description = await describeAt(
            { space, connectTimeout: timeoutMs },
            this.pool,
            endpoint,
            timeoutMs,
          );
          if (description.unit === undefined) throw new Error(`${endpoint} is not a processing unit`);
          units[unit] = { endpoint, status: description.unit as unknown as UnitStatus };
        } catch (error) {
          units[unit] = { endpoint, error: (error as Error).message };
        }
      }),
    );
    return { placement, units, partitions: partitionsOf(placement, units) };
  }

  /** The committed end of each partition log (partitions 0..count-1). */
  async logEnds(count: number): Promise<number[]> {
    await this.connect();
    const { prefix, space } = this.options;
    return fetchEndOffsets(
      this.admin,
      Array.from({ length: count }, (_, k) => partitionTopic(prefix, space, k)),
    );
  }

  close(): void {
    this.pool.close();
  }

  private async connect(): Promise<void> {
    this.connected ??= this.admin.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
  }
}

function partitionsOf(
  placement: Placement | undefined,
  units: Readonly<Record<string, { readonly status?: UnitStatus }>>,
): PartitionView[] {
  return (placement?.partitions ?? []).map((p, partition): PartitionView => {
    const replicas: Record<string, ReplicaStatus | undefined> = {};
    for (const unit of [p.primary, ...p.backups]) {
      if (unit !== null)
        replicas[unit] = units[unit]?.status?.replicas.find((r) => r.partition === partition);
    }
    return { partition, primary: p.primary, backups: p.backups, replicas };
  });
}
