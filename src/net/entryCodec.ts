import { toPlainEntry } from '../log/codec/plainEntry';
import type { EntryType } from '../schema/EntryType';
import type { Entry } from '../schema/Entry';

/**
 * Entries cross the wire Avro-encoded with their own type's schema (no field names, no JSON), so
 * bytes fields, longs and nested records arrive exactly as they left. Both ends hold the same
 * schemas (the client gets them from DESCRIBE). The entry must already be validated.
 * @internal
 */
export function encodeEntry(type: EntryType, entry: Entry): Buffer {
  return type.avroType.toBuffer(entry);
}

/** Decodes an entry sent by {@link encodeEntry} into the frozen plain `Entry` form. @internal */
export function decodeEntry(type: EntryType, bytes: Buffer): Entry {
  return toPlainEntry(type.avroType.fromBuffer(bytes));
}
