import { InvalidArgumentError } from '../../errors';

/** Space names and prefixes: Kafka-safe, no dots in space names (the partition suffix follows a dot). */
const SPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Refuses a prefix that cannot start a Kafka topic name. */
export function checkPrefix(prefix: string): void {
  if (!PREFIX.test(prefix)) {
    throw new InvalidArgumentError(`topic prefix '${prefix}' must match ${PREFIX.source}`);
  }
}

/** Refuses a space name that would make topic names ambiguous or invalid. */
export function checkSpaceName(space: string): void {
  if (!SPACE_NAME.test(space)) {
    throw new InvalidArgumentError(`space name '${space}' must match ${SPACE_NAME.source}`, { space });
  }
}

/** The topic of partition `k` of a space: `<prefix>.<space>.<k>`. */
export function partitionTopic(prefix: string, space: string, partition: number): string {
  return `${prefix}.${space}.${partition}`;
}

/**
 * The topic of partition `k` of a space, after refusing a prefix, space name or partition number that
 * cannot make one (what a log reader or writer of one partition checks first).
 */
export function checkedPartitionTopic(prefix: string, space: string, partition: number): string {
  checkPrefix(prefix);
  checkSpaceName(space);
  if (!Number.isInteger(partition) || partition < 0) {
    throw new InvalidArgumentError(`partition must be a non-negative integer, got ${partition}`);
  }
  return partitionTopic(prefix, space, partition);
}

/** The compacted topic holding every registered writer schema: `<prefix>.__schemas`. */
export function schemaTopicName(prefix: string): string {
  return `${prefix}.__schemas`;
}

/**
 * The topic processing units of a space subscribe to as one consumer group (membership and
 * placement); nothing is ever written to it: `<prefix>.<space>.__units`.
 */
export function unitsTopicName(prefix: string, space: string): string {
  return `${prefix}.${space}.__units`;
}

/** The consumer group of a space's processing units. */
export function unitsGroupId(prefix: string, space: string): string {
  return `spacelog.${prefix}.${space}.units`;
}

/** The partition number of `topic` if it is a partition topic of the space, else undefined. */
export function parsePartitionTopic(prefix: string, space: string, topic: string): number | undefined {
  const head = `${prefix}.${space}.`;
  if (!topic.startsWith(head)) return undefined;
  const tail = topic.slice(head.length);
  return /^(0|[1-9][0-9]*)$/.test(tail) ? Number(tail) : undefined;
}

/** The transactional id of the single writer of a partition log (docs/design.md law 3). */
export function transactionalIdOf(prefix: string, space: string, partition: number): string {
  return `spacelog.${partitionTopic(prefix, space, partition)}`;
}

export const DEFAULT_PREFIX = 'spacelog';

/**
 * The Kafka consumer group holding a notify container's positions: one committed offset per
 * partition topic (`kafka-consumer-groups --describe --group <this>` shows them and their lag).
 */
export function notifyGroupId(prefix: string, space: string, container: string): string {
  return `spacelog.${prefix}.${space}.notify.${container}`;
}

/** The transactional id of the single writer of a container's position of one partition. */
export function notifyTransactionalId(
  prefix: string,
  space: string,
  container: string,
  partition: number,
): string {
  return `${notifyGroupId(prefix, space, container)}.${partition}`;
}
