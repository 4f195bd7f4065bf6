import {
  resolveClientSecurity,
  type ClientCredentials,
  type ClientTlsOptions,
} from '../net/security/ClientSecurity';
import type { KafkaClientOptions } from '../log/connection/KafkaClientOptions';
import { KAFKA_CLIENT_IDS, openKafka } from '../log/connection/openKafka';
import type { ClusterView } from '../ops/status/ClusterView';
import { ClusterReader } from './ClusterReader';

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
  const { kafka } = openKafka(
    { ...options.kafka, ...(options.brokers === undefined ? {} : { brokers: options.brokers }) },
    { clientId: KAFKA_CLIENT_IDS.status },
  );
  const admin = kafka.admin();
  // The same reader the console keeps, for one read: with the connect and the DESCRIBE of each unit
  // both capped at timeoutMs, each gets the whole timeout.
  const reader = new ClusterReader(admin, {
    prefix: options.prefix,
    space: options.space,
    timeoutMs: options.timeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS,
    ...(security === undefined ? {} : { security }),
  });
  try {
    return await reader.cluster();
  } finally {
    reader.close();
    await admin.disconnect();
  }
}
