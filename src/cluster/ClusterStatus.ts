import { ConnectionPool } from '../client/ConnectionPool';
import { describeAt } from '../client/RemoteCall';
import {
  resolveClientSecurity,
  type ClientCredentials,
  type ClientTlsOptions,
} from '../net/security/ClientSecurity';
import type { KafkaClientOptions } from '../log/connection/KafkaClientOptions';
import { createKafka } from '../log/connection/KafkaConnection';
import { resolveKafkaConnection } from '../log/connection/resolveKafkaConnection';
import { unitsGroupId } from '../log/topicNames';
import { DEFAULT_MAX_FRAME_BYTES } from '../net/protocol';
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

/** How long the connect and the DESCRIBE of one unit may each take, by default. */
const DEFAULT_STATUS_TIMEOUT_MS = 3000;

/**
 * Reads a space's cluster: the placement from its units' consumer group, then each unit's own
 * report (role, readiness, lag, entries per replica) through a DESCRIBE on its endpoint.
 */
export async function readClusterStatus(options: {
  /** Shorthand for `kafka.brokers`. */
  readonly brokers?: readonly string[];
  /** How to reach Kafka (TLS, SASL); the environment fills what is not given. */
  readonly kafka?: KafkaClientOptions;
  readonly prefix: string;
  readonly space: string;
  readonly timeoutMs?: number;
  /** How to reach secured units (their wire port's TLS), as `Spacelog.connect` takes it. */
  readonly tls?: ClientTlsOptions;
  /** A user allowed to DESCRIBE the space (TLS only). */
  readonly credentials?: ClientCredentials;
}): Promise<ClusterView> {
  const security = resolveClientSecurity(options.tls, options.credentials);
  const connection = resolveKafkaConnection(
    { ...options.kafka, ...(options.brokers === undefined ? {} : { brokers: options.brokers }) },
    { clientId: 'spacelog-status' },
  );
  const admin = createKafka(connection).admin();
  await admin.connect();
  let placement: Placement | undefined;
  try {
    placement = await describePlacement(admin, unitsGroupId(options.prefix, options.space));
  } finally {
    await admin.disconnect();
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS;
  // describeAt caps a DESCRIBE at the connect timeout: with both set to timeoutMs, the connect and
  // the DESCRIBE of each unit each get the whole timeout.
  const asked = { space: options.space, connectTimeout: timeoutMs };
  const pool = new ConnectionPool({
    connectTimeoutMs: timeoutMs,
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
    onEvent: () => undefined,
    onLost: () => undefined,
    ...(security !== undefined ? { security } : {}),
  });
  const units: Record<string, { endpoint: string; status?: UnitStatus; error?: string }> = {};
  try {
    await Promise.all(
      Object.entries(placement?.endpoints ?? {}).map(async ([unit, endpoint]) => {
        try {
          const description = await describeAt(asked, pool, endpoint, timeoutMs);
          if (description.unit === undefined) throw new Error(`${endpoint} is not a processing unit`);
          units[unit] = { endpoint, status: description.unit as unknown as UnitStatus };
        } catch (error) {
          units[unit] = { endpoint, error: (error as Error).message };
        }
      }),
    );
  } finally {
    pool.close();
  }
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
