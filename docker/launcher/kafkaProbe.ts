import { Kafka, logLevel } from 'kafkajs';

/** What a Kafka cluster says about itself in a metadata answer. */
export interface KafkaProbeResult {
  readonly clusterId: string;
  readonly controller: number | null;
  readonly brokers: readonly { readonly nodeId: number; readonly host: string; readonly port: number }[];
}

/**
 * Asks the cluster for its metadata once (kafkajs admin, no retries). Rejects when no broker answers
 * within `timeoutMs`.
 */
export async function probeKafka(brokers: readonly string[], timeoutMs = 5_000): Promise<KafkaProbeResult> {
  const kafka = new Kafka({
    clientId: 'spacelog-stack-probe',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return { clusterId: cluster.clusterId, controller: cluster.controller, brokers: cluster.brokers };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Probes without throwing: the metadata, or undefined when the cluster does not answer. */
export async function tryProbeKafka(
  brokers: readonly string[],
  timeoutMs = 5_000,
): Promise<KafkaProbeResult | undefined> {
  try {
    return await probeKafka(brokers, timeoutMs);
  } catch {
    return undefined;
  }
}
