import type { ConsumerConfig } from 'kafkajs';
import { DEFAULT_MIRROR_BATCH_BYTES, type MirrorOptions } from './MirrorConfig';

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
