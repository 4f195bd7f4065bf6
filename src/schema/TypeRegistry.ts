import { SchemaDefinitionError, UnknownTypeError } from '../errors';
import type { EntryType } from './EntryType';

/** The entry types of a space, by short name. */
export class TypeRegistry implements Iterable<EntryType> {
  private readonly types = new Map<string, EntryType>();

  constructor(types: Iterable<EntryType> = []) {
    for (const type of types) this.register(type);
  }

  /** Adds a type; a second type with the same name is refused (`source` names where it came from). */
  register(type: EntryType, source = '<inline>'): void {
    if (this.types.has(type.name)) {
      throw new SchemaDefinitionError(`${source}: duplicate entry type "${type.name}"`, source, '');
    }
    this.types.set(type.name, type);
  }

  /** The type of that name, or undefined. */
  get(name: string): EntryType | undefined {
    return this.types.get(name);
  }

  /** The type of that name; throws UnknownTypeError. */
  require(name: string): EntryType {
    const type = this.types.get(name);
    if (!type) throw new UnknownTypeError(name);
    return type;
  }

  has(name: string): boolean {
    return this.types.has(name);
  }

  get names(): string[] {
    return [...this.types.keys()];
  }

  get size(): number {
    return this.types.size;
  }

  [Symbol.iterator](): Iterator<EntryType> {
    return this.types.values();
  }
}
