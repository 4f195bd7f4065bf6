import type { Kafka } from 'kafkajs';
import { PartitionedSpace } from '../../../src/api/PartitionedSpace';
import { partitionOf } from '../../../src/api/partitionOf';
import { NotPrimaryError } from '../../../src/errors';
import type { ContainerHost, PartitionEventListener } from '../../../src/events/ContainerHost';
import { deadLetterSchema } from '../../../src/events/deadLetter';
import { PartitionEvents } from '../../../src/events/PartitionEvents';
import type { ReplicaLogOptions } from '../../../src/partition/ReplicaLog';
import { EntryType } from '../../../src/schema/EntryType';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { TypeRegistry } from '../../../src/schema/TypeRegistry';
import type { Mutation } from '../../../src/space/Mutation';
import { SpaceEngine } from '../../../src/space/SpaceEngine';
import type { MutationSink } from '../../../src/space/SpaceEngineOptions';
import { SCHEMAS } from '../space/fixtures';

/** The example types plus `OrderDeadLetter` (what a user declares for a container over Order). */
export function typesWithDeadLetters(): TypeRegistry {
  const types = SchemaLoader.loadFolder(SCHEMAS);
  types.register(EntryType.fromSchema(deadLetterSchema('Order')));
  return types;
}

/** A sink that records each append (what commits together) and can hold appends until released. */
export class BatchSink implements MutationSink {
  readonly appends: Mutation[][] = [];
  hold: Promise<void> | undefined;
  async append(mutations: readonly Mutation[]): Promise<void> {
    if (this.hold) await this.hold;
    this.appends.push([...mutations]);
  }
}

/**
 * A ContainerHost over in-memory engines (one per partition, each with a recording sink): the pure
 * side of a host, so the container's logic is tested without Kafka. `lose(k)` closes partition k's
 * engine and announces primary-lost, as a fenced primary does.
 */
export class FakeHost implements ContainerHost {
  readonly spaceName = 'fake';
  readonly unit = 'fake-unit';
  readonly space: PartitionedSpace;
  readonly engines: SpaceEngine[];
  readonly sinks: BatchSink[];
  readonly kafka = {} as Kafka;
  readonly prefix = 'fake';
  private readonly events = new PartitionEvents((error) => {
    throw error;
  });

  constructor(
    readonly partitions: number,
    readonly types: TypeRegistry = typesWithDeadLetters(),
  ) {
    this.sinks = Array.from({ length: partitions }, () => new BatchSink());
    this.engines = this.sinks.map(
      (sink, partition) => new SpaceEngine({ types, origin: 'fake', partition, sink }),
    );
    this.space = new PartitionedSpace('fake', types, partitions, (k) => this.engine(k));
    for (let k = 0; k < partitions; k++) this.events.place(k, 'primary');
  }

  primaries(): number[] {
    return this.events.primaries();
  }

  /** How many times the container asked for an engine (once per loop iteration). */
  engineCalls = 0;

  engine(partition: number): SpaceEngine {
    this.engineCalls++;
    if (!this.primaries().includes(partition))
      throw new NotPrimaryError(`partition ${partition} is not primary here`, { partition });
    return this.engines[partition]!;
  }

  onPartitionEvent(listener: PartitionEventListener): () => void {
    return this.events.listen(listener);
  }

  logOf(): ReplicaLogOptions {
    throw new Error('no log in a fake host');
  }

  /** Partition k stops being primary here: its engine closes, then primary-lost is announced. */
  lose(partition: number): void {
    this.engines[partition]!.close();
    this.events.place(partition, 'none', 'fenced');
  }

  /** Every mutation appended to partition k, in order. */
  logOfPartition(partition: number): Mutation[] {
    return this.sinks[partition]!.appends.flat();
  }
}

/** Customer ids whose Orders land on partition k. */
export function customersOn(k: number, partitions: number, count: number, tag = 'c'): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++)
    if (partitionOf(`${tag}-${i}`, partitions) === k) out.push(`${tag}-${i}`);
  return out;
}

/** An Order of customer `customerId`. */
export function orderOf(
  id: string,
  customerId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    customerId,
    status: 'NEW',
    total: 10,
    createdAt: 1_700_000_000_000,
    shipping: { city: 'Oslo', zip: '0150' },
    lines: [],
    note: null,
    ...overrides,
  };
}

/** Resolves once `check` holds (polled every 5 ms), or rejects after `ms`. */
export async function eventually(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
