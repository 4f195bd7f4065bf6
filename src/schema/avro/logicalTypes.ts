import * as avro from 'avsc';

/**
 * A logical type that keeps values as their underlying representation (timestamps as epoch-ms numbers,
 * uuids as strings) while letting avsc report the logical name (`logical:timestamp-millis`), so the
 * compiler can tell a timestamp from a plain long.
 * @internal
 */
class PassThroughType extends avro.types.LogicalType {
  protected override _fromValue(value: unknown): unknown {
    return value;
  }
  protected override _toValue(value: unknown): unknown {
    return value;
  }
  protected override _resolve(type: avro.Type): ((value: unknown) => unknown) | undefined {
    const under = this.underlyingType;
    if (avro.Type.isType(type, 'logical:*')) {
      return (type as avro.types.LogicalType).underlyingType.typeName === under.typeName
        ? (v) => v
        : undefined;
    }
    return type.typeName === under.typeName ? (v) => v : undefined;
  }
}

/** Logical types recognised by Spacelog (all pass-through). `decimal` is refused at load time. @internal */
export const SPACELOG_LOGICAL_TYPES: Readonly<Record<string, typeof PassThroughType>> = {
  'timestamp-millis': PassThroughType,
  'timestamp-micros': PassThroughType,
  'local-timestamp-millis': PassThroughType,
  'time-millis': PassThroughType,
  date: PassThroughType,
  uuid: PassThroughType,
};

/** Parses an Avro schema the way Spacelog uses it: unwrapped unions (ambiguous ones refused), plain logical values. */
export function parseAvro(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, {
    logicalTypes: SPACELOG_LOGICAL_TYPES as unknown as Record<
      string,
      new (...args: unknown[]) => avro.types.LogicalType
    >,
    wrapUnions: 'never',
  });
}

/** True for a Spacelog logical type, whose values are those of its underlying type. @internal */
export function isPassThroughLogicalType(type: avro.Type): type is avro.types.LogicalType {
  return type instanceof PassThroughType;
}
