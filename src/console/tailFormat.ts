import { parsePartitionTopic } from '../log/admin/topicNames';
import type { Mutation, MutationOp } from '../space/Mutation';

/** A partition topic of a space, found among a cluster's topics. */
export interface PartitionTopic {
  readonly topic: string;
  readonly partition: number;
}

/**
 * The partition topics `<prefix>.<space>.<digits>` of a space among `topics` (a `listTopics()`
 * answer), ordered by partition. Other spaces sharing the prefix, the schema topic and look-alikes
 * (`orders.1x`, `orders.01`, `orders-eu.1`) are left out.
 */
export function partitionTopicsOf(
  topics: readonly string[],
  prefix: string,
  space: string,
): PartitionTopic[] {
  const found: PartitionTopic[] = [];
  for (const topic of topics) {
    const partition = parsePartitionTopic(prefix, space, topic);
    if (partition !== undefined) found.push({ topic, partition });
  }
  return found.sort((a, b) => a.partition - b.partition);
}

/** One line of `spacelog tail`: a decoded mutation and where it sits in the log. */
export interface TailLine {
  readonly partition: number;
  readonly offset: number;
  readonly op: MutationOp;
  readonly type: string;
  readonly id: string;
  readonly version: number;
  readonly leaseExpiresAt: number | null;
  readonly timestamp: number;
  readonly origin: string;
  readonly state: unknown;
}

/** The JSON line printed for a mutation read at `offset` of `partition` (no trailing newline). */
export function formatTailLine(partition: number, offset: number, mutation: Mutation): string {
  const line: TailLine = {
    partition,
    offset,
    op: mutation.op,
    type: mutation.type,
    id: mutation.id,
    version: mutation.version,
    leaseExpiresAt: mutation.leaseExpiresAt,
    timestamp: mutation.timestamp,
    origin: mutation.origin,
    state: toJsonValue(mutation.state),
  };
  return JSON.stringify(line);
}

/**
 * Makes a decoded Avro value printable as JSON: bytes / fixed as base64 strings (JSON.stringify
 * would spell a Buffer out as an array of numbers) and bigints as decimal strings (it would throw).
 */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = toJsonValue(field);
    return out;
  }
  return value;
}

/** Keeps a mutation when no type filter is set, or when its type is the one asked for. */
export function matchesTypeFilter(mutation: Pick<Mutation, 'type'>, type: string | undefined): boolean {
  return type === undefined || mutation.type === type;
}
