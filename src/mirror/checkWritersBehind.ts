import type * as avro from 'avsc';
import { MirrorSchemaBehindError } from '../errors';
import { schemaFingerprint } from '../log/codec/mutationEnvelope';
import type { WriterSchemas } from '../log/codec/WriterSchemas';
import type { TypeRegistry } from '../schema/TypeRegistry';

/**
 * Refuses a mirror whose entry types are older than the log's writers: a writer schema registered
 * after the mirror's own version of a type (after the latest one, when the mirror's version was
 * never registered: only the latest writer counts then) that has a field the mirror's schema lacks
 * would have that field dropped by Avro resolution, silently. Throws MirrorSchemaBehindError naming
 * the type and the field. Older writers may have fields the mirror's version removed: those are not
 * new, their loss is the schema change itself.
 * @internal
 */
export function checkWritersBehind(space: string, types: TypeRegistry, writers: WriterSchemas): void {
  for (const type of types) {
    const readerFingerprint = schemaFingerprint(type.avroType);
    const versions = writers.versions(type.name);
    const at = versions.findIndex((w) => w.fingerprint === readerFingerprint);
    const newer = at >= 0 ? versions.slice(at + 1) : versions.slice(-1);
    for (const writer of newer) {
      if (writer.fingerprint === readerFingerprint) continue;
      const field = missingField(writer.type, type.avroType, '');
      if (field === undefined) continue;
      throw new MirrorSchemaBehindError(
        `the log holds ${type.name} records of a newer schema (${writer.fingerprint}) with field ` +
          `${field}, which the mirror's schema of ${type.name} lacks: it would be dropped. Give the mirror ` +
          'the new schemas, then `spacelog migrate make` and `spacelog migrate`',
        type.name,
        field,
        writer.fingerprint,
        { space, type: type.name },
      );
    }
  }
}

/** The path of the first field of `writer` that `reader` has no place for, if any. */
function missingField(writer: avro.Type, reader: avro.Type, path: string): string | undefined {
  const w = underlying(writer);
  const r = underlying(reader);
  if (isUnion(r) && !isUnion(w)) {
    const branch = r.types.find((t) => sameKind(w, underlying(t)));
    return branch === undefined ? undefined : missingField(w, branch, path);
  }
  if (isUnion(w)) {
    for (const branch of w.types) {
      const field = missingField(branch, r, path);
      if (field !== undefined) return field;
    }
    return undefined;
  }
  switch (w.typeName) {
    case 'record':
    case 'error': {
      if (r.typeName !== w.typeName) return undefined;
      const readerFields = (r as avro.types.RecordType).fields;
      for (const field of (w as avro.types.RecordType).fields) {
        const name = path === '' ? field.name : `${path}.${field.name}`;
        const match = readerFields.find((f) => f.name === field.name || f.aliases.includes(field.name));
        if (match === undefined) return name;
        const inner = missingField(field.type, match.type, name);
        if (inner !== undefined) return inner;
      }
      return undefined;
    }
    case 'array':
      return r.typeName === 'array'
        ? missingField(
            (w as avro.types.ArrayType).itemsType,
            (r as avro.types.ArrayType).itemsType,
            `${path}[]`,
          )
        : undefined;
    case 'map':
      return r.typeName === 'map'
        ? missingField(
            (w as avro.types.MapType).valuesType,
            (r as avro.types.MapType).valuesType,
            `${path}{}`,
          )
        : undefined;
    default:
      return undefined;
  }
}

function underlying(type: avro.Type): avro.Type {
  return type.typeName.startsWith('logical:') ? (type as avro.types.LogicalType).underlyingType : type;
}

function isUnion(type: avro.Type): type is avro.types.UnwrappedUnionType {
  return type.typeName === 'union:unwrapped' || type.typeName === 'union:wrapped';
}

/** A union branch the writer's value would resolve to: records by name, others by kind. */
function sameKind(writer: avro.Type, reader: avro.Type): boolean {
  if (writer.typeName !== reader.typeName) return false;
  return writer.typeName !== 'record' || writer.name === reader.name;
}
