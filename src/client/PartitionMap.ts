import { InvalidArgumentError } from '../errors';

/**
 * Which endpoint (`host:port`) serves each partition. Today one server serves every partition; the
 * cluster will feed maps with a primary per partition (`RemoteSpace.updatePartitionMap`).
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

  /** Distinct endpoints, in partition order. */
  distinct(): string[] {
    return [...new Set(this.endpoints)];
  }
}
