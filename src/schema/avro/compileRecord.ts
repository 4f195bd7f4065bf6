import type * as avro from 'avsc';
import { FieldError, describe } from './FieldError';
import type { SchemaNode } from './SchemaNode';

type Compile = (type: avro.Type, records: Map<avro.Type, SchemaNode>) => SchemaNode;

/** Marks a field with neither a value nor a default. */
const REQUIRED = Symbol('required');

/**
 * Compiles a record type. The checker is generated code (one object literal in schema order), so every
 * normalized entry of a type shares one hidden class with all fields in-object: the fastest shape to
 * build and read, and the most compact one to keep a million of in memory.
 * Missing fields take their Avro default, or null for a `[null, X]` union, else fail as required;
 * fields the schema does not declare are refused (avsc itself would silently ignore them).
 * @internal
 */
export function compileRecord(
  type: avro.types.RecordType,
  records: Map<avro.Type, SchemaNode>,
  compile: Compile,
): SchemaNode {
  const known = records.get(type);
  if (known) return known;
  // Late-bound stub first, so a recursive reference to this record compiles to a call through it.
  const impl: { check: (v: unknown) => unknown; size: (v: unknown) => number } = {
    check: () => undefined,
    size: () => 0,
  };
  const fields = new Map<string, SchemaNode>();
  const node: SchemaNode = {
    check: (v) => impl.check(v),
    size: (v) => impl.size(v),
    info: { kind: 'record', nullable: false },
    fields,
  };
  records.set(type, node);

  const names = type.fields.map((f) => f.name);
  const checks: ((v: unknown) => unknown)[] = [];
  const sizes: ((v: unknown) => number)[] = [];
  for (const field of type.fields) {
    const child = compile(field.type, records);
    fields.set(field.name, child);
    const fallback = defaultOf(field, child);
    const check = child.check;
    checks.push(
      fallback === REQUIRED
        ? (v) => {
            if (v === undefined) throw new FieldError('missing required field');
            return check(v);
          }
        : // Defaults are checked once and frozen, so every entry may share the same default object.
          (v) => (v === undefined ? fallback : check(v)),
    );
    sizes.push(child.size);
  }

  const keys = names.map((n) => JSON.stringify(n));
  const source = `
    return {
      check: function (v) {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw notRecord(v);
        for (const k in v) {
          switch (k) {
            ${keys.map((k) => `case ${k}:`).join(' ')} break;
            default: if (v[k] !== undefined) throw unknownField(k);
          }
        }
        let i = 0;
        try {
          return freeze({ ${keys.map((k, i) => `${k}: (i = ${i}, c[${i}](v[${k}]))`).join(', ')} });
        } catch (e) {
          throw prefixed(e, names[i]);
        }
      },
      size: function (v) {
        return 0${keys.map((k, i) => ` + s[${i}](v[${k}])`).join('')};
      },
    };`;
  const factory = new Function(
    'c',
    's',
    'names',
    'freeze',
    'notRecord',
    'unknownField',
    'prefixed',
    source,
  ) as (...args: unknown[]) => typeof impl;
  const built = factory(
    checks,
    sizes,
    names,
    Object.freeze,
    (v: unknown) => new FieldError(`expected record ${type.name ?? ''}, got ${describe(v)}`),
    (k: string) => FieldError.prefixed(new FieldError(`unknown field (not in schema ${type.name ?? ''})`), k),
    FieldError.prefixed,
  );
  impl.check = built.check;
  impl.size = built.size;
  return node;
}

function defaultOf(field: avro.types.Field, child: SchemaNode): unknown {
  const declared: unknown = field.defaultValue();
  if (declared !== undefined) return child.check(declared);
  if (child.info.nullable) return null;
  return REQUIRED;
}
