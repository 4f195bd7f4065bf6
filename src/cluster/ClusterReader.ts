import type { Admin } from 'kafkajs';
import { ConnectionPool } from '../client/ConnectionPool';
import { describeAt } from '../client/RemoteCall';
import type { ClusterView } from '../ops/status/ClusterView';
import type { UnitStatus } from '../ops/status/UnitStatus';
import { describePlacement } from './UnitMembership';
import { partitionViewsOf } from './clusterView';
import { unitsGroupId } from '../log/admin/topicNames';
import { LogEndReader } from './LogEndReader';
import { DEFAULT_MAX_FRAME_BYTES } from '../net/protocol';
import type { ClientSecurity } from '../net/security/ClientSecurity';

/** How long the DESCRIBE of one unit may take: a killed unit must not hold the page up. */
export const DEFAULT_UNIT_DESCRIBE_TIMEOUT_MS = 2000;

/**
 * Reads the cluster of a space: the placement from the units' Kafka group, then a DESCRIBE of each
 * unit. `spacelog cluster status` uses one for a single read; the console keeps one (its Kafka admin
 * and connection pool) for its life, since it reads the cluster every few seconds.
 */
export class ClusterReader {
  private readonly pool: ConnectionPool;
  private readonly ends: LogEndReader;

  constructor(
    private readonly admin: Admin,
    private readonly options: {
      readonly prefix: string;
      readonly space: string;
      readonly timeoutMs?: number;
      readonly security?: ClientSecurity;
    },
  ) {
    this.ends = new LogEndReader(admin, options.prefix, options.space);
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
    await this.ends.connect();
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
    return { placement, units, partitions: partitionViewsOf(placement, units) };
  }

  /** The committed end of each partition log (partitions 0..count-1). */
  logEnds(count: number): Promise<number[]> {
    return this.ends.logEnds(count);
  }

  close(): void {
    this.pool.close();
  }
}
