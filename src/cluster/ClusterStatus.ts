import { Kafka, logLevel } from 'kafkajs';
import { unitsGroupId } from '../log/topicNames';
import { ClientConnection } from '../net/ClientConnection';
import { ANY_PARTITION } from '../net/protocol';
import type { SpaceDescription } from '../net/SpaceDescription';
import { fromWireJson } from '../net/wireJson';
import type { Placement } from './Placement';
import type { UnitStatus } from './ProcessingUnit';
import { describePlacement } from './UnitMembership';
import type { ReplicaStatus } from './UnitReplicas';

/** One partition as `spacelog cluster status` shows it. */
export interface PartitionView {
  readonly partition: number;
  readonly primary: string | null;
  readonly backups: readonly string[];
  /** What each unit holding the partition reports of its replica (absent: unit unreachable). */
  readonly replicas: Readonly<Record<string, ReplicaStatus | undefined>>;
}

/** The cluster of a space as its group and its units report it. */
export interface ClusterView {
  readonly placement: Placement | undefined;
  readonly units: Readonly<
    Record<string, { readonly endpoint: string; readonly status?: UnitStatus; readonly error?: string }>
  >;
  readonly partitions: readonly PartitionView[];
}

/**
 * Reads a space's cluster: the placement from its units' consumer group, then each unit's own
 * report (role, readiness, lag, entries per replica) through a DESCRIBE on its endpoint.
 */
export async function readClusterStatus(options: {
  readonly brokers: readonly string[];
  readonly prefix: string;
  readonly space: string;
  readonly timeoutMs?: number;
}): Promise<ClusterView> {
  const admin = new Kafka({
    clientId: 'spacelog-status',
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  let placement: Placement | undefined;
  try {
    placement = await describePlacement(admin, unitsGroupId(options.prefix, options.space));
  } finally {
    await admin.disconnect();
  }
  const units: Record<string, { endpoint: string; status?: UnitStatus; error?: string }> = {};
  await Promise.all(
    Object.entries(placement?.endpoints ?? {}).map(async ([unit, endpoint]) => {
      try {
        units[unit] = { endpoint, status: await unitStatusAt(endpoint, options.timeoutMs ?? 3000) };
      } catch (error) {
        units[unit] = { endpoint, error: (error as Error).message };
      }
    }),
  );
  const partitions = (placement?.partitions ?? []).map((p, partition): PartitionView => {
    const replicas: Record<string, ReplicaStatus | undefined> = {};
    for (const unit of [p.primary, ...p.backups]) {
      if (unit !== null)
        replicas[unit] = units[unit]?.status?.replicas.find((r) => r.partition === partition);
    }
    return { partition, primary: p.primary, backups: p.backups, replicas };
  });
  return { placement, units, partitions };
}

async function unitStatusAt(endpoint: string, timeoutMs: number): Promise<UnitStatus> {
  const connection = await ClientConnection.open({
    endpoint,
    connectTimeoutMs: timeoutMs,
    maxFrameBytes: 16 * 1024 * 1024,
    onEvent: () => undefined,
    onClose: () => undefined,
  });
  try {
    const response = await connection.request(
      { partition: ANY_PARTITION, op: 'DESCRIBE', type: '', args: Buffer.alloc(0), entry: null, deadline: 0 },
      { timeoutMs },
    );
    const description = fromWireJson(response.result) as SpaceDescription;
    if (description.unit === undefined) throw new Error(`${endpoint} is not a processing unit`);
    return description.unit as unknown as UnitStatus;
  } finally {
    connection.close();
  }
}
