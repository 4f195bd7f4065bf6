import { optionKeys, rejectUnknownKeys } from '../config/optionKeys';
import { SchemaDefinitionError } from '../errors';
import type { FieldInfo } from './FieldKind';
import type { IndexDefinition } from './IndexDefinition';

/** The `"spacelog"` attributes of a record schema, resolved and checked. */
export interface SpacelogAttributes {
  readonly idField: string;
  readonly generatedIds: boolean;
  readonly routingField: string;
  readonly indexes: readonly IndexDefinition[];
}

/** The `"spacelog"` attributes as a schema file writes them. */
interface SpacelogAttributesJson {
  readonly id?: string | { readonly generated?: boolean; readonly field: string };
  readonly routing?: string;
  readonly indexes?: readonly IndexDefinition[];
}

const KEYS = optionKeys<SpacelogAttributesJson>({ id: true, routing: true, indexes: true });
const INDEX_KEYS = optionKeys<IndexDefinition>({ name: true, fields: true, kind: true });
const INDEXABLE = new Set(['string', 'number', 'boolean', 'enum', 'timestamp', 'date', 'uuid', 'decimal']);

/**
 * Reads and checks the `"spacelog"` key of a record schema against the record's field paths:
 * `id` (a field name, or `{ "generated": true, "field": name }`; defaults to `"id"`), `routing`
 * (defaults to the id field) and `indexes`. Throws SchemaDefinitionError naming file and field.
 */
export function parseSpacelogAttributes(
  raw: unknown,
  fields: ReadonlyMap<string, FieldInfo>,
  file: string,
): SpacelogAttributes {
  const bad = (message: string, field = ''): SchemaDefinitionError =>
    new SchemaDefinitionError(`${file}: ${message}`, file, field);
  const attrs = raw === undefined ? {} : raw;
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs))
    throw bad('"spacelog" must be an object');
  const record = attrs as Record<string, unknown>;
  rejectUnknownKeys(record, KEYS, (key) =>
    bad(`unknown key "spacelog.${key}" (expected id, routing, indexes)`),
  );

  let idField = 'id';
  let generatedIds = false;
  const id = record.id;
  if (typeof id === 'string') {
    idField = id;
  } else if (id !== undefined) {
    if (id === null || typeof id !== 'object')
      throw bad('"spacelog.id" must be a field name or { generated, field }');
    const spec = id as Record<string, unknown>;
    if (typeof spec.field !== 'string') throw bad('"spacelog.id.field" must name a field');
    if (spec.generated !== undefined && typeof spec.generated !== 'boolean') {
      throw bad('"spacelog.id.generated" must be a boolean', spec.field);
    }
    idField = spec.field;
    generatedIds = spec.generated === true;
  }
  const idInfo = fields.get(idField);
  if (!idInfo || idField.includes('.')) throw bad(`id field "${idField}" is not a top-level field`, idField);
  if (idInfo.nullable || !(idInfo.kind === 'string' || idInfo.kind === 'uuid' || idInfo.kind === 'number')) {
    throw bad(`id field "${idField}" must be a non-null string or long`, idField);
  }

  const routingField = record.routing === undefined ? idField : record.routing;
  if (typeof routingField !== 'string') throw bad('"spacelog.routing" must name a field');
  const routingInfo = fields.get(routingField);
  if (!routingInfo) throw bad(`routing field "${routingField}" is not a field of the record`, routingField);
  if (routingInfo.nullable || !INDEXABLE.has(routingInfo.kind)) {
    throw bad(`routing field "${routingField}" must be a non-null scalar`, routingField);
  }

  return { idField, generatedIds, routingField, indexes: parseIndexes(record.indexes, fields, bad) };
}

function parseIndexes(
  raw: unknown,
  fields: ReadonlyMap<string, FieldInfo>,
  bad: (message: string, field?: string) => SchemaDefinitionError,
): IndexDefinition[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw bad('"spacelog.indexes" must be an array');
  const names = new Set<string>();
  return raw.map((item: unknown, i) => {
    if (item === null || typeof item !== 'object') throw bad(`index #${i} must be an object`);
    rejectUnknownKeys(item, INDEX_KEYS, (key) => bad(`index #${i} has unknown key "${key}"`));
    const { name, fields: paths, kind } = item as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw bad(`index #${i} needs a name`);
    if (names.has(name)) throw bad(`duplicate index name "${name}"`);
    names.add(name);
    if (kind !== 'equality' && kind !== 'ordered')
      throw bad(`index "${name}": kind must be "equality" or "ordered"`);
    if (!Array.isArray(paths) || paths.length === 0)
      throw bad(`index "${name}": fields must be a non-empty array`);
    for (const path of paths) {
      if (typeof path !== 'string') throw bad(`index "${name}": field names must be strings`);
      const info = fields.get(path);
      if (!info) throw bad(`index "${name}" is on unknown field "${path}"`, path);
      if (!INDEXABLE.has(info.kind))
        throw bad(`index "${name}": field "${path}" is a ${info.kind}, not a scalar`, path);
    }
    return Object.freeze({ name, fields: Object.freeze([...(paths as string[])]), kind });
  });
}
