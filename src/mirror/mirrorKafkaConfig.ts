import type { ConsumerConfig } from 'kafkajs';
import type { KafkaConnection } from '../log/connection/KafkaConnection';
import { resolveKafkaConnection } from '../log/connection/resolveKafkaConnection';
import { DEFAULT_MIRROR_BATCH_BYTES, type MirrorOptions } from './MirrorConfig';

/** How a space's mirror reaches Kafka, from its options and the environment. @internal */
export function mirrorKafkaConnection(options: MirrorOptions): KafkaConnection {
  return resolveKafkaConnection(options.kafka, { clientId: `spacelog-mirror-${options.space}` });
}

/**
 * The consumer group of a space's mirror, from its options. Its committed offsets are never used
 * (the projector seeks to those in PostgreSQL), and it must not create the topics it reads.
 * @internal
 */
export function mirrorConsumerConfig(options: MirrorOptions, prefix: string): ConsumerConfig {
  const sessionTimeout = options.sessionTimeoutMs;
  return {
    groupId: options.groupId ?? `${prefix}.${options.space}.mirror`,
    maxWaitTimeInMs: 100,
    ...(sessionTimeout === undefined
      ? {}
      : { sessionTimeout, heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 5)) }),
    maxBytesPerPartition: options.maxBatchBytes ?? DEFAULT_MIRROR_BATCH_BYTES,
    allowAutoTopicCreation: false,
  };
}
