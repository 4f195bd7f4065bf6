import { ConfigResourceTypes, type Admin } from 'kafkajs';

/** Kafka's broker default of `log.cleaner.delete.retention.ms` (one day), if a topic reports none. */
export const KAFKA_DEFAULT_DELETE_RETENTION_MS = 86_400_000;

/**
 * The `delete.retention.ms` a partition topic really has (its override or the broker's default), as
 * Kafka reports it: how long its TAKE / EXPIRE tombstones stay readable at least.
 * @internal
 */
export async function fetchDeleteRetentionMs(admin: Admin, topic: string): Promise<number> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['delete.retention.ms'] }],
  });
  const value = described.resources[0]?.configEntries.find(
    (e) => e.configName === 'delete.retention.ms',
  )?.configValue;
  const ms = Number(value);
  return value == null || !Number.isFinite(ms) ? KAFKA_DEFAULT_DELETE_RETENTION_MS : ms;
}
