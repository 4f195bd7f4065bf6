import type { Type } from 'avsc';

/** Why a reader schema cannot read a writer schema: the dotted field path and avsc's reason. */
export interface Incompatibility {
  readonly field: string;
  readonly reason: string;
}

interface RecordLike {
  readonly typeName: string;
  readonly fields: readonly {
    readonly name: string;
    readonly type: Type;
    readonly aliases: readonly string[];
    defaultValue(): unknown;
  }[];
}

interface ContainerLike {
  readonly typeName: string;
  readonly itemsType?: Type;
  readonly valuesType?: Type;
}

/**
 * Checks Avro schema resolution: can `reader` read data written with `writer`? Returns undefined
 * when it can, else the innermost field that breaks it (a field added without a default, a type
 * changed to something the writer's type does not promote to, a renamed record).
 */
export function findIncompatibility(reader: Type, writer: Type): Incompatibility | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return locate(reader, writer, '', error instanceof Error ? error.message : String(error));
  }
}

function locate(reader: Type, writer: Type, path: string, reason: string): Incompatibility {
  const r = reader as unknown as RecordLike & ContainerLike;
  const w = writer as unknown as RecordLike & ContainerLike;
  if (r.typeName === 'record' && w.typeName === 'record') {
    for (const field of r.fields) {
      const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
      const names = [field.name, ...field.aliases];
      const written = w.fields.find((f) => names.includes(f.name));
      if (written === undefined) {
        if (field.defaultValue() === undefined) {
          return { field: fieldPath, reason: `field '${fieldPath}' was added without a default value` };
        }
        continue;
      }
      const inner = findIncompatibility(field.type, written.type);
      if (inner !== undefined) {
        return locate(field.type, written.type, fieldPath, inner.reason);
      }
    }
    return { field: path, reason };
  }
  if (r.typeName === 'array' && w.typeName === 'array' && r.itemsType && w.itemsType) {
    return deeper(r.itemsType, w.itemsType, path === '' ? '[]' : `${path}[]`, reason);
  }
  if (r.typeName === 'map' && w.typeName === 'map' && r.valuesType && w.valuesType) {
    return deeper(r.valuesType, w.valuesType, path === '' ? '{}' : `${path}{}`, reason);
  }
  return { field: path, reason };
}

function deeper(reader: Type, writer: Type, path: string, reason: string): Incompatibility {
  const inner = findIncompatibility(reader, writer);
  return inner === undefined ? { field: path, reason } : locate(reader, writer, path, inner.reason);
}
