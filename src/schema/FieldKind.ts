/**
 * The kind of a field as queries see it. `number` covers int, long, float, double; `timestamp`
 * and `date` are Avro logical types held as epoch milliseconds / days; `decimal` is held as a string.
 */
export type ScalarKind =
  'string' | 'number' | 'boolean' | 'bytes' | 'enum' | 'timestamp' | 'date' | 'uuid' | 'decimal';

/** What a dotted field path resolves to in an entry type. */
export interface FieldInfo {
  readonly kind: ScalarKind | 'record' | 'array' | 'map';
  /** True when the field is a `[null, X]` union. */
  readonly nullable: boolean;
  /** Allowed symbols, for enums. */
  readonly symbols?: readonly string[];
}

/** Resolves a dotted path (`customer.city`) to its field info, or undefined when no such field exists. */
export type FieldResolver = (path: string) => FieldInfo | undefined;
