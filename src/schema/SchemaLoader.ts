import * as fs from 'node:fs';
import * as path from 'node:path';
import { SchemaDefinitionError } from '../errors';
import { EntryType } from './EntryType';
import { TypeRegistry } from './TypeRegistry';

/**
 * Loads entry types from `.avsc` files: the only file-system user of the schema package, so the engine
 * stays pure. Every problem is a SchemaDefinitionError naming the file (and field when there is one).
 */
export class SchemaLoader {
  /** Reads one `.avsc` file into an entry type. */
  static loadFile(file: string): EntryType {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new SchemaDefinitionError(`${file}: cannot read schema file`, file, '', { cause: error });
    }
    let schema: unknown;
    try {
      schema = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SchemaDefinitionError(`${file}: not valid JSON: ${reason}`, file, '', { cause: error });
    }
    return EntryType.fromSchema(schema, file);
  }

  /** Loads every `.avsc` file of a folder (sorted by name, not recursive) into a registry. */
  static loadFolder(folder: string, registry = new TypeRegistry()): TypeRegistry {
    let names: string[];
    try {
      names = fs.readdirSync(folder).filter((n) => n.endsWith('.avsc'));
    } catch (error) {
      throw new SchemaDefinitionError(`${folder}: cannot read schema folder`, folder, '', { cause: error });
    }
    for (const name of names.sort()) {
      const file = path.join(folder, name);
      registry.register(SchemaLoader.loadFile(file), file);
    }
    return registry;
  }
}
