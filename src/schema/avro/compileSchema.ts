import * as avro from 'avsc';
import type { FieldInfo, ScalarKind } from '../FieldKind';
import { FieldError, describe } from './FieldError';
import type { SchemaNode } from './SchemaNode';
import { compileRecord } from './compileRecord';
import { stringSize, varintSize } from './varint';

/**
 * The longs that survive the log: avsc encodes a JavaScript number as a long exactly only within these
 * bounds (below -2^52 the sign of a decoded value flips; +-(2^53 - 1) it refuses), so the grid refuses
 * anything outside them at validation instead of logging a different value than it acknowledged.
 */
export const LONG_MIN = -(2 ** 52);
export const LONG_MAX = 2 ** 53 - 2;

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Logical types Spacelog understands, mapped to the kind queries see; values stay plain numbers / strings. */
const LOGICAL_KINDS: Readonly<Record<string, ScalarKind>> = {
  'timestamp-millis': 'timestamp',
  'timestamp-micros': 'timestamp',
  'local-timestamp-millis': 'timestamp',
  'time-millis': 'number',
  date: 'date',
  uuid: 'uuid',
};

const fail = (reason: string, value: unknown): FieldError =>
  new FieldError(`${reason}, got ${describe(value)}`);

function scalar(kind: ScalarKind, check: (v: unknown) => unknown, size: (v: unknown) => number): SchemaNode {
  return { check, size, info: { kind, nullable: false } };
}

function intNode(kind: ScalarKind, name: string, min: number, max: number): SchemaNode {
  return scalar(
    kind,
    (v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
        throw fail(`expected ${name}`, v);
      return v;
    },
    (v) => varintSize(v as number),
  );
}

/**
 * Compiles an avsc type (created with Spacelog's pass-through logical types) into a SchemaNode.
 * `records` memoizes record nodes so recursive schemas compile to a finite graph.
 * @internal
 */
export function compileSchema(type: avro.Type, records = new Map<avro.Type, SchemaNode>()): SchemaNode {
  const name = type.typeName;
  if (name.startsWith('logical:')) {
    const logical = name.slice('logical:'.length);
    const kind = LOGICAL_KINDS[logical];
    const under = compileSchema((type as avro.types.LogicalType).underlyingType, records);
    if (kind === undefined) return under;
    return { check: under.check, size: under.size, info: { kind, nullable: false } };
  }
  switch (name) {
    case 'null':
      return {
        ...scalar(
          'string',
          (v) => {
            if (v !== null) throw fail('expected null', v);
            return null;
          },
          () => 0,
        ),
        isNull: true,
      };
    case 'boolean':
      return scalar(
        'boolean',
        (v) => {
          if (typeof v !== 'boolean') throw fail('expected boolean', v);
          return v;
        },
        () => 1,
      );
    case 'int':
      return intNode('number', 'int', INT_MIN, INT_MAX);
    case 'long':
      return intNode('number', `long (an integer from ${LONG_MIN} to ${LONG_MAX})`, LONG_MIN, LONG_MAX);
    case 'float':
    case 'double': {
      const bytes = name === 'float' ? 4 : 8;
      return scalar(
        'number',
        (v) => {
          if (typeof v !== 'number') throw fail(`expected ${name}`, v);
          return v;
        },
        () => bytes,
      );
    }
    case 'string':
      return scalar(
        'string',
        (v) => {
          if (typeof v !== 'string') throw fail('expected string', v);
          return v;
        },
        (v) => stringSize(v as string),
      );
    case 'bytes':
    case 'fixed': {
      const fixedSize = name === 'fixed' ? (type as avro.types.FixedType).size : -1;
      return scalar(
        'bytes',
        (v) => {
          if (!(v instanceof Uint8Array)) throw fail(`expected ${name} (Buffer)`, v);
          if (fixedSize >= 0 && v.length !== fixedSize) throw fail(`expected ${fixedSize} bytes`, v);
          // Typed arrays cannot be frozen; a private copy at least keeps the caller from aliasing the entry.
          return Buffer.from(v);
        },
        (v) =>
          (v as Buffer).length === fixedSize
            ? fixedSize
            : varintSize((v as Buffer).length) + (v as Buffer).length,
      );
    }
    case 'enum':
      return compileEnum(type as avro.types.EnumType);
    case 'array':
      return compileArray(compileSchema((type as avro.types.ArrayType).itemsType, records));
    case 'map':
      return compileMap(compileSchema((type as avro.types.MapType).valuesType, records));
    case 'record':
    case 'error':
      return compileRecord(type as avro.types.RecordType, records, compileSchema);
    case 'union:unwrapped':
    case 'union:wrapped':
      return compileUnion(
        (type as avro.types.UnwrappedUnionType).types.map((t) => compileSchema(t, records)),
      );
    default:
      throw new Error(`unsupported Avro type ${name}`);
  }
}

function compileEnum(type: avro.types.EnumType): SchemaNode {
  const symbols = type.symbols;
  const index = new Map(symbols.map((s, i) => [s, i]));
  const info: FieldInfo = { kind: 'enum', nullable: false, symbols: Object.freeze([...symbols]) };
  return {
    check: (v) => {
      if (typeof v !== 'string' || !index.has(v)) throw fail(`expected one of ${symbols.join('|')}`, v);
      return v;
    },
    size: (v) => varintSize(index.get(v as string) ?? 0),
    info,
  };
}

function compileArray(items: SchemaNode): SchemaNode {
  const { check: itemCheck, size: itemSize } = items;
  return {
    check: (v) => {
      if (!Array.isArray(v)) throw fail('expected array', v);
      const out = new Array<unknown>(v.length);
      let i = 0;
      try {
        for (; i < v.length; i++) out[i] = itemCheck(v[i]);
      } catch (error) {
        throw FieldError.prefixed(error, i);
      }
      return Object.freeze(out);
    },
    size: (v) => {
      const array = v as unknown[];
      if (array.length === 0) return 1;
      let total = varintSize(array.length) + 1;
      for (const item of array) total += itemSize(item);
      return total;
    },
    info: { kind: 'array', nullable: false },
    items,
  };
}

function compileMap(values: SchemaNode): SchemaNode {
  return {
    check: (v) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw fail('expected map (object)', v);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        let checked: unknown;
        try {
          checked = values.check((v as Record<string, unknown>)[key]);
        } catch (error) {
          throw FieldError.prefixed(error, key);
        }
        Object.defineProperty(out, key, { value: checked, enumerable: true });
      }
      return Object.freeze(out);
    },
    size: (v) => {
      const keys = Object.keys(v as object);
      if (keys.length === 0) return 1;
      let total = varintSize(keys.length) + 1;
      for (const key of keys) total += stringSize(key) + values.size((v as Record<string, unknown>)[key]);
      return total;
    },
    info: { kind: 'map', nullable: false },
    items: values,
  };
}

function compileUnion(branches: SchemaNode[]): SchemaNode {
  const nullIndex = branches.findIndex((b) => b.isNull === true);
  const others = branches.map((node, index) => ({ node, index })).filter((b) => b.index !== nullIndex);
  const single = others.length === 1 ? others[0] : undefined;
  const pick = (v: unknown): { node: SchemaNode; index: number; value: unknown } | undefined => {
    for (const branch of others) {
      try {
        return { ...branch, value: branch.node.check(v) };
      } catch {
        // try the next branch
      }
    }
    return undefined;
  };
  const base = single?.node;
  return {
    check: (v) => {
      if (v === null || v === undefined) {
        if (nullIndex < 0) throw fail('expected a non-null value', v);
        return null;
      }
      // One non-null branch: check it directly so the error names the precise nested problem.
      if (single) return single.node.check(v);
      const found = pick(v);
      if (!found) throw fail('value matches no branch of the union', v);
      return found.value;
    },
    size: (v) => {
      if (v === null) return varintSize(nullIndex);
      if (single) return varintSize(single.index) + single.node.size(v);
      const found = pick(v);
      return found ? varintSize(found.index) + found.node.size(v) : 0;
    },
    info: base ? { ...base.info, nullable: nullIndex >= 0 } : { kind: 'record', nullable: nullIndex >= 0 },
    ...(base ? { inner: base, fields: base.fields, items: base.items } : {}),
  };
}
