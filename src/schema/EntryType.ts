import type * as avro from 'avsc';
import { SchemaDefinitionError, SchemaValidationError } from '../errors';
import type { Entry } from './Entry';
import { FieldError } from './avro/FieldError';
import type { SchemaNode } from './avro/SchemaNode';
import { compileSchema } from './avro/compileSchema';
import { fieldPaths } from './avro/fieldPaths';
import { parseAvro } from './avro/logicalTypes';
import type { FieldInfo, FieldResolver } from './FieldKind';
import type { IndexDefinition } from './IndexDefinition';
import { parseSpacelogAttributes } from './SpacelogAttributes';

/** Reads one (possibly dotted) field of an entry; undefined-safe through null records. */
export type FieldGetter = (entry: Entry) => unknown;

/**
 * An entry type: an Avro record schema plus its Spacelog attributes (id field, routing field, indexes).
 * It validates and normalizes entries (`validate`) and measures their encoded size (`encodedSize`).
 */
export class EntryType {
  /** Short record name (`Order`): the type name in operations, keys and topics. */
  readonly name: string;
  /** Full Avro name, with namespace (`spacelog.examples.Order`). */
  readonly fullName: string;
  /** The avsc type (unwrapped unions, logical values as plain numbers / strings). */
  readonly avroType: avro.Type;
  readonly idField: string;
  /** True when the space assigns ids to entries written without one. */
  readonly generatedIds: boolean;
  readonly routingField: string;
  readonly indexes: readonly IndexDefinition[];
  /** Resolves a dotted field path to what queries need to know about it. */
  readonly fieldInfo: FieldResolver;
  /** Every dotted field path of the type, in schema order. */
  readonly fieldPaths: readonly string[];

  private readonly root: SchemaNode;
  private readonly paths: ReadonlyMap<string, { node: SchemaNode; info: FieldInfo }>;
  private readonly getters = new Map<string, FieldGetter>();

  private constructor(avroType: avro.Type, root: SchemaNode, file: string, rawAttributes: unknown) {
    const fullName = avroType.name ?? '';
    this.fullName = fullName;
    this.name = fullName.slice(fullName.lastIndexOf('.') + 1);
    this.avroType = avroType;
    this.root = root;
    this.paths = fieldPaths(root);
    const infos = new Map([...this.paths].map(([path, { info }]) => [path, info]));
    const attributes = parseSpacelogAttributes(rawAttributes, infos, file);
    const idNode = this.paths.get(attributes.idField)?.node;
    if (idNode?.info.kind === 'number' && accepts(idNode, 0.5)) {
      throw new SchemaDefinitionError(
        `${file}: id field "${attributes.idField}" must be a non-null string or long, not a float or double`,
        file,
        attributes.idField,
      );
    }
    this.idField = attributes.idField;
    this.generatedIds = attributes.generatedIds;
    this.routingField = attributes.routingField;
    this.indexes = Object.freeze([...attributes.indexes]);
    this.fieldPaths = Object.freeze([...infos.keys()]);
    this.fieldInfo = (path) => infos.get(path);
  }

  /**
   * Builds an entry type from a parsed `.avsc` document (a record schema with a `"spacelog"` key).
   * `file` names the source in errors. Throws SchemaDefinitionError.
   */
  static fromSchema(schema: unknown, file = '<inline>'): EntryType {
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
      throw new SchemaDefinitionError(
        `${file}: an entry type must be an Avro record schema object`,
        file,
        '',
      );
    }
    const raw = schema as Record<string, unknown>;
    if (raw.type !== 'record') {
      throw new SchemaDefinitionError(
        `${file}: an entry type must be an Avro record (got ${String(raw.type)})`,
        file,
        '',
      );
    }
    if (JSON.stringify(schema).includes('"decimal"')) {
      throw new SchemaDefinitionError(`${file}: the decimal logical type is not supported yet`, file, '');
    }
    let avroType: avro.Type;
    let root: SchemaNode;
    try {
      avroType = parseAvro(schema);
      root = compileSchema(avroType);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new SchemaDefinitionError(`${file}: invalid Avro schema: ${message}`, file, '', { cause: error });
    }
    return new EntryType(avroType, root, file, raw.spacelog);
  }

  /**
   * Checks a value against the schema and returns a normalized, deeply frozen copy: fields in schema
   * order, missing fields set to their Avro default (or null for an optional `[null, X]` field).
   * Throws SchemaValidationError naming the dotted path of the first problem (wrong type, missing
   * required field, field not in the schema).
   */
  validate(value: unknown): Entry {
    try {
      return this.root.check(value) as Entry;
    } catch (error) {
      throw this.toValidationError(error);
    }
  }

  /** Exact Avro binary size of a validated entry (no encoding, no allocation). */
  encodedSize(entry: Entry): number {
    return this.root.size(entry);
  }

  /** The entry's id as the space keys it (long ids as their decimal string). */
  idOf(entry: Entry): string {
    const id = entry[this.idField];
    return typeof id === 'string' ? id : String(id);
  }

  /** The value that picks the entry's partition. */
  routingOf(entry: Entry): unknown {
    return this.getter(this.routingField)(entry);
  }

  /** Info and schema node of a dotted path, or undefined. @internal */
  pathNode(path: string): { node: SchemaNode; info: FieldInfo } | undefined {
    return this.paths.get(path);
  }

  /** A compiled reader for a dotted path (cached). Missing intermediate records read as null. */
  getter(path: string): FieldGetter {
    let get = this.getters.get(path);
    if (!get) {
      get = compileGetter(path);
      this.getters.set(path, get);
    }
    return get;
  }

  private toValidationError(error: unknown): unknown {
    if (!(error instanceof FieldError)) return error;
    const field = error.path.join('.');
    const where = field === '' ? this.name : `${this.name}.${field}`;
    return new SchemaValidationError(`${where}: ${error.reason}`, field, { type: this.name });
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Compiles a dotted-path reader. Avro names are identifiers, so each getter is generated code with
 * its own named property loads: monomorphic on the type's one hidden class, where a shared
 * `entry[path]` would go megamorphic across fields. A null or missing record on the way reads as null.
 */
function compileGetter(path: string): FieldGetter {
  const parts = path.split('.');
  if (!parts.every((p) => IDENTIFIER.test(p))) {
    return (entry) => {
      let value: unknown = entry;
      for (const part of parts) {
        if (value === null || value === undefined) return null;
        value = (value as Record<string, unknown>)[part];
      }
      return value;
    };
  }
  let body = 'let v = e;';
  parts.forEach((part, i) => {
    body += i === 0 ? `v = v.${part};` : `if (v === null || v === undefined) return null; v = v.${part};`;
  });
  return new Function('e', `${body} return v;`) as FieldGetter;
}

function accepts(node: SchemaNode, value: unknown): boolean {
  try {
    node.check(value);
    return true;
  } catch {
    return false;
  }
}
