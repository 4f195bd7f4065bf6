import type { Kafka } from 'kafkajs';

/** First offset and high watermark of partition 0 of a topic. */
export interface LogEndOffsets {
  readonly low: number;
  readonly high: number;
}

interface ClusterLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  fetchTopicsOffset(
    topics: { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[],
  ): Promise<{ partitions: { partition: number; offset: string }[] }[]>;
}

type CreateCluster = (options: { allowAutoTopicCreation: boolean; isolationLevel: number }) => ClusterLike;

const READ_UNCOMMITTED = 0;

/**
 * @internal
 * The high watermark of a partition: the end of everything written, decided or not.
 *
 * kafkajs' `admin.fetchTopicOffsets` asks with isolation READ_COMMITTED and so answers the last
 * stable offset, which trails a just-acknowledged transaction until its commit markers are written
 * (asynchronously, after the commit returned). Catching up to that would miss acknowledged writes, so
 * this asks with READ_UNCOMMITTED through a kafkajs cluster of our own (kafkajs 2.2.4 internals; the
 * version is pinned). Without those internals it falls back to the admin answer.
 */
export async function fetchLogEndOffsets(kafka: Kafka, topic: string): Promise<LogEndOffsets> {
  const symbol = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const createCluster =
    symbol === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (typeof createCluster !== 'function') return fetchViaAdmin(kafka, topic);
  const cluster = (createCluster as CreateCluster)({
    allowAutoTopicCreation: false,
    isolationLevel: READ_UNCOMMITTED,
  });
  try {
    await cluster.connect();
    await cluster.addTargetTopic(topic);
    await cluster.refreshMetadataIfNecessary();
    const offset = async (fromBeginning: boolean): Promise<number> => {
      const [result] = await cluster.fetchTopicsOffset([
        { topic, fromBeginning, partitions: [{ partition: 0 }] },
      ]);
      return Number(result?.partitions.find((p) => p.partition === 0)?.offset ?? 0);
    };
    return { high: await offset(false), low: await offset(true) };
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}

async function fetchViaAdmin(kafka: Kafka, topic: string): Promise<LogEndOffsets> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const partitions = await admin.fetchTopicOffsets(topic);
    const p0 = partitions.find((p) => p.partition === 0);
    return { low: Number(p0?.low ?? 0), high: Number(p0?.high ?? 0) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
