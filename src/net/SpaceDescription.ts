import { ProtocolError } from '../errors';
import { EntryType } from '../schema/EntryType';
import { TypeRegistry } from '../schema/TypeRegistry';

/**
 * What a server tells a client about the space it serves (the DESCRIBE answer): enough to route
 * (partition count, each type's id and routing fields) and to encode entries (each type's schema).
 */
export interface SpaceDescription {
  readonly name: string;
  readonly partitions: number;
  /** Each entry type's Avro schema with its `"spacelog"` attributes, as in `schemas/`. */
  readonly schemas: readonly unknown[];
  /**
   * The endpoint (`host:port`) serving each partition, index = partition; absent when the server
   * serves every partition itself (the in-process grid). The cluster fills it in.
   */
  readonly partitionMap?: readonly string[];
  /** What the serving processing unit reports of itself (`spacelog cluster status`); absent for a plain server. */
  readonly unit?: Readonly<Record<string, unknown>>;
}

/** The schema of a type as a `.avsc` document, `"spacelog"` attributes included. @internal */
export function schemaOf(type: EntryType): unknown {
  // avsc drops unknown attributes when exporting, so the Spacelog ones are written back.
  const schema = type.avroType.schema({ exportAttrs: true }) as Record<string, unknown>;
  return {
    ...schema,
    spacelog: {
      id: { field: type.idField, generated: type.generatedIds },
      routing: type.routingField,
      indexes: type.indexes.map((index) => ({
        name: index.name,
        fields: [...index.fields],
        kind: index.kind,
      })),
    },
  };
}

/** Builds the description a server sends. @internal */
export function describeSpace(
  name: string,
  partitions: number,
  types: TypeRegistry,
  partitionMap?: readonly string[],
  unit?: Readonly<Record<string, unknown>>,
): SpaceDescription {
  return {
    name,
    partitions,
    schemas: [...types].map(schemaOf),
    ...(partitionMap ? { partitionMap } : {}),
    ...(unit ? { unit } : {}),
  };
}

/** Checks a received description and builds its type registry. @internal */
export function typesOf(description: SpaceDescription): TypeRegistry {
  if (
    typeof description.name !== 'string' ||
    !Number.isInteger(description.partitions) ||
    description.partitions < 1 ||
    !Array.isArray(description.schemas)
  ) {
    throw new ProtocolError('malformed space description');
  }
  return new TypeRegistry(
    description.schemas.map((schema, i) => EntryType.fromSchema(schema, `<remote schema #${i}>`)),
  );
}
