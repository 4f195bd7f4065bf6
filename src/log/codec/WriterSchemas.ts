import { Type, type Schema } from 'avsc';
import { CorruptRecordError } from '../../errors';
import { schemaFingerprint } from './mutationEnvelope';

/** One registered writer schema of an entry type. */
export interface WriterSchema {
  readonly typeName: string;
  /** MD5 of the canonical form, hex. */
  readonly fingerprint: string;
  readonly type: Type;
  /** The schema JSON as registered (with docs and Spacelog attributes). */
  readonly schema: Schema;
}

/**
 * Every writer schema known to a reader, by type and fingerprint, in registration order.
 * Filled from the schema topic; the codec looks writer schemas up here to resolve old records.
 */
export class WriterSchemas {
  private readonly byKey = new Map<string, WriterSchema>();
  private readonly byType = new Map<string, WriterSchema[]>();

  /**
   * Adds a writer schema (idempotent). When `expectedFingerprint` is given it must match the
   * schema's own fingerprint, so a damaged schema-topic record is refused instead of misread.
   */
  add(typeName: string, schema: Schema, expectedFingerprint?: string): WriterSchema {
    // Same union handling as the engine's entry types, so states decode to the same shapes.
    const type = Type.forSchema(schema, { wrapUnions: 'never' });
    const fingerprint = schemaFingerprint(type);
    if (expectedFingerprint !== undefined && expectedFingerprint !== fingerprint) {
      throw new CorruptRecordError(
        `schema registered as ${typeName}/${expectedFingerprint} has fingerprint ${fingerprint}`,
        { type: typeName },
      );
    }
    const key = `${typeName}/${fingerprint}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const entry: WriterSchema = { typeName, fingerprint, type, schema };
    this.byKey.set(key, entry);
    const versions = this.byType.get(typeName) ?? [];
    versions.push(entry);
    this.byType.set(typeName, versions);
    return entry;
  }

  /** The writer schema of `typeName` with this fingerprint, if known. */
  get(typeName: string, fingerprint: string): WriterSchema | undefined {
    return this.byKey.get(`${typeName}/${fingerprint}`);
  }

  /** All known versions of a type, oldest registration first. */
  versions(typeName: string): readonly WriterSchema[] {
    return this.byType.get(typeName) ?? [];
  }

  /** Names of all types with at least one writer schema. */
  typeNames(): readonly string[] {
    return [...this.byType.keys()];
  }
}
