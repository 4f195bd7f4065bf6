import type { FieldInfo } from '../FieldKind';

/**
 * A compiled Avro schema node: a checker that returns a normalized, deeply frozen copy of a valid
 * value (or throws a FieldError), and an exact Avro binary size function for already-valid values.
 * @internal
 */
export interface SchemaNode {
  /** Validates and normalizes; throws FieldError with the path relative to this node. */
  readonly check: (value: unknown) => unknown;
  /** Avro binary size in bytes of a value this node's `check` returned. */
  readonly size: (value: unknown) => number;
  /** How queries see a value of this node. */
  readonly info: FieldInfo;
  /** For records: the field nodes by name, in schema order. */
  readonly fields?: ReadonlyMap<string, SchemaNode>;
  /** For arrays: the items node; for maps: the values node. */
  readonly items?: SchemaNode;
  /** For `[null, X]` unions: the X node (fields and items of X are reachable through it). */
  readonly inner?: SchemaNode;
  /** True for the Avro `null` type. */
  readonly isNull?: boolean;
}
