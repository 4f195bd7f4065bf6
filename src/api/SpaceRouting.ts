import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, SchemaValidationError } from '../errors';
import { partitionOf } from './partitionOf';
import type { EntryType } from '../schema/EntryType';
import type { WriteResult } from '../space/Operation';
import type { Selector } from '../space/Selector';
import type { SpaceWriteResult } from './Space';

/**
 * Decides the partition of each operation (`hash(routing value) mod P`, Kafka's murmur2).
 * Pure: no I/O of its own, so the in-process grid and the remote client route the same way.
 */
export class SpaceRouting {
  constructor(readonly partitions: number) {}

  /**
   * The partition of a write, and the entry to write: a type with generated ids routed by its id gets
   * its id here, before routing, since the id must be known to pick the partition.
   */
  forWrite(
    type: EntryType,
    entry: Readonly<Record<string, unknown>>,
  ): { partition: number; entry: Readonly<Record<string, unknown>> } {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new SchemaValidationError(`an entry of type '${type.name}' must be an object`, '', {
        type: type.name,
      });
    }
    let toWrite = entry;
    if (type.generatedIds && (entry[type.idField] === undefined || entry[type.idField] === null)) {
      toWrite = { ...entry, [type.idField]: randomUUID() };
    }
    const routing = type.getter(type.routingField)(toWrite);
    if (routing === undefined || routing === null) {
      throw new SchemaValidationError(
        `entry of type '${type.name}' has no routing value in field '${type.routingField}'`,
        type.routingField,
        { type: type.name },
      );
    }
    return { partition: partitionOf(routing, this.partitions), entry: toWrite };
  }

  /**
   * Routes a write and runs it on its partition: `writeTo` gets the partition and the entry to write
   * (see `forWrite`), and its result comes back tagged with that partition. The plain space and its
   * transactions share it, so a write lands on the same partition in and out of a transaction.
   */
  async routeWrite(
    type: EntryType,
    entry: Readonly<Record<string, unknown>>,
    writeTo: (partition: number, entry: Readonly<Record<string, unknown>>) => Promise<WriteResult>,
  ): Promise<SpaceWriteResult> {
    const routed = this.forWrite(type, entry);
    return withPartition(await writeTo(routed.partition, routed.entry), routed.partition);
  }

  /** The partition a selector names, or undefined when it must go to every partition. */
  forSelector(type: EntryType, selector: Selector, routing: unknown): number | undefined {
    if (routing !== undefined && routing !== null) return partitionOf(routing, this.partitions);
    if (selector === null || typeof selector !== 'object') {
      throw new InvalidArgumentError('a selector is { id }, { template } or { query, params }', {
        type: type.name,
      });
    }
    if ('id' in selector && type.routingField === type.idField)
      return partitionOf(selector.id, this.partitions);
    if ('template' in selector && selector.template) {
      const value = type.getter(type.routingField)(selector.template);
      if (value !== undefined && value !== null) return partitionOf(value, this.partitions);
    }
    return undefined;
  }

  /** The partition of an id when the id is the routing field, else of the given routing value. */
  forId(type: EntryType, id: string, routing: unknown): number | undefined {
    return this.forSelector(type, { id }, routing);
  }

  /** Every partition, for broadcast operations. */
  all(): number[] {
    return Array.from({ length: this.partitions }, (_, k) => k);
  }
}

/**
 * A write's result tagged with its partition. Built field by field: a spread copy costs a generic
 * clone on every write of the hot path.
 */
function withPartition(result: WriteResult, partition: number): SpaceWriteResult {
  const { id, version, leaseExpiresAt, position } = result;
  return position === undefined
    ? { id, version, leaseExpiresAt, partition }
    : { id, version, leaseExpiresAt, position, partition };
}
