import { Kafka, logLevel } from 'kafkajs';
import type { KafkaClientSecurity } from './secureKafka';

/** What a Kafka cluster says about itself in a metadata answer. */
export interface KafkaProbeResult {
  readonly clusterId: string;
  readonly controller: number | null;
  readonly brokers: readonly { readonly nodeId: number; readonly host: string; readonly port: number }[];
}

/**
 * Asks the cluster for its metadata once (kafkajs admin, no retries). Rejects when no broker answers
 * within `timeoutMs`. `security` logs in to a secure cluster (TLS and SASL).
 */
export async function probeKafka(
  brokers: readonly string[],
  timeoutMs = 5_000,
  security?: KafkaClientSecurity,
): Promise<KafkaProbeResult> {
  const kafka = new Kafka({
    ...security,
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
  security?: KafkaClientSecurity,
): Promise<KafkaProbeResult | undefined> {
  try {
    return await probeKafka(brokers, timeoutMs, security);
  } catch {
    return undefined;
  }
}
