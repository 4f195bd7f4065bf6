/**
 * An index declared by an entry type (`"spacelog": { "indexes": [...] }` in its Avro schema).
 * `equality` indexes answer `=` and `IN`; `ordered` indexes answer those and ranges
 * (`<, <=, >, >=`) and can serve `ORDER BY` on their leading field.
 * A compound index lists several dotted field paths; its key is the tuple of their values.
 */
export interface IndexDefinition {
  readonly name: string;
  readonly fields: readonly string[];
  readonly kind: 'equality' | 'ordered';
}
