import { InvalidArgumentError } from '../errors';

/**
 * Which endpoint (`host:port`) is the primary of each partition: one server for all (a grid served
 * by one SpaceServer), or one per partition in a cluster, as the servers' DESCRIBE answers say.
 * Immutable: the client swaps in a new map when it refreshes.
 */
export class PartitionMap {
  private readonly endpoints: readonly string[];
  /** The one endpoint of every partition, or undefined when they differ. */
  readonly single: string | undefined;

  /** `endpoints[k]` serves partition k. */
  constructor(endpoints: readonly string[]) {
    if (endpoints.length === 0)
      throw new InvalidArgumentError('a partition map needs at least one partition');
    this.endpoints = Object.freeze([...endpoints]);
    const first = endpoints[0];
    this.single = endpoints.every((e) => e === first) ? first : undefined;
  }

  /** Every partition served by one endpoint. */
  static uniform(partitions: number, endpoint: string): PartitionMap {
    return new PartitionMap(Array.from({ length: partitions }, () => endpoint));
  }

  get partitions(): number {
    return this.endpoints.length;
  }

  /** The endpoint serving partition k. */
  endpointOf(partition: number): string {
    const endpoint = this.endpoints[partition];
    if (endpoint === undefined)
      throw new InvalidArgumentError(`no partition ${partition} in the partition map`);
    return endpoint;
  }

  /** True when both maps name the same endpoint for every partition. */
  equals(other: PartitionMap): boolean {
    return (
      other.endpoints.length === this.endpoints.length &&
      other.endpoints.every((e, k) => e === this.endpoints[k])
    );
  }

  /** Distinct endpoints, in partition order. */
  distinct(): string[] {
    return [...new Set(this.endpoints)];
  }
}
