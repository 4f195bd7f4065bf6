import type { Resolver, Type } from 'avsc';
import {
  CorruptRecordError,
  SchemaValidationError,
  UnknownSchemaError,
  UnknownTypeError,
} from '../../errors';
import type { Mutation } from '../../space/Mutation';
import type { Entry } from '../../schema/Entry';
import type { EncodedRecord, EntryAvroType, LogRecord, RecordInBuffer } from './LogTypes';
import {
  ENVELOPE_VERSION,
  HEADER,
  MUTATION_ENVELOPE_TYPE,
  schemaFingerprint,
  type MutationEnvelope,
} from './mutationEnvelope';
import { FastWriteDecoder } from './FastWriteDecoder';
import { ScratchEncoder } from './ScratchEncoder';
import { toPlainEntry } from './plainEntry';
import { WriterSchemas } from './WriterSchemas';

/** How to build a codec. */
export interface MutationCodecOptions {
  /** Current (reader) types. Records of other types are decoded with their own writer schema. */
  readonly types?: readonly EntryAvroType[];
  /** Writer schemas of older records (from the schema topic). Defaults to an empty set. */
  readonly writerSchemas?: WriterSchemas;
}

interface ReaderType {
  readonly type: Type;
  readonly fingerprint: string;
  readonly fingerprintBytes: Buffer;
}

/**
 * Turns mutations into Kafka records and back (the public record format of docs/design.md).
 * Key `<type>/<id>` (UTF-8); value the Avro `Mutation` envelope for WRITE / UPDATE, null (a
 * tombstone, so compaction removes the entry) for TAKE / EXPIRE; headers `spacelog.*` on every record.
 * Decoding resolves an entry written with an older schema to the current reader schema.
 */
export class MutationCodec {
  /** Writer schemas this codec resolves against; add to it when the schema topic grows. */
  readonly writerSchemas: WriterSchemas;
  private readonly readers = new Map<string, ReaderType>();
  private readonly resolvers = new Map<string, Resolver>();
  /** The common case (a current type at its current schema), decoded without avsc. */
  private readonly fast = new FastWriteDecoder();
  /** Where an entry's state is encoded before it is copied into its envelope. */
  private readonly stateScratch = new ScratchEncoder();
  /** Where the envelope is encoded before its bytes are copied out. */
  private readonly envelopeScratch = new ScratchEncoder();

  constructor(options: MutationCodecOptions = {}) {
    this.writerSchemas = options.writerSchemas ?? new WriterSchemas();
    for (const entryType of options.types ?? []) {
      const fingerprint = schemaFingerprint(entryType.avroType);
      const fingerprintBytes = Buffer.from(fingerprint, 'hex');
      this.readers.set(entryType.name, { type: entryType.avroType, fingerprint, fingerprintBytes });
      this.fast.add(entryType.name, entryType.avroType, fingerprintBytes);
    }
  }

  /** Fingerprint (hex) of the current schema of a type, as written in new records. */
  fingerprintOf(typeName: string): string {
    return this.reader(typeName).fingerprint;
  }

  /** Encodes one mutation. Throws `UnknownTypeError` / `SchemaValidationError` for bad input. */
  encode(mutation: Mutation): EncodedRecord {
    const headers: Record<string, string> = {
      [HEADER.op]: mutation.op,
      [HEADER.version]: String(mutation.version),
      [HEADER.timestamp]: String(mutation.timestamp),
      [HEADER.origin]: mutation.origin,
      [HEADER.envelope]: ENVELOPE_VERSION,
    };
    const key = Buffer.from(`${mutation.type}/${mutation.id}`, 'utf8');
    if (mutation.op === 'TAKE' || mutation.op === 'EXPIRE') return { key, value: null, headers };
    const reader = this.reader(mutation.type);
    if (mutation.state === null) {
      throw new SchemaValidationError(`${mutation.op} mutation without a state`, '', this.context(mutation));
    }
    let state: Buffer;
    try {
      state = this.stateScratch.write(reader.type, mutation.state);
    } catch (error) {
      throw new SchemaValidationError(`entry does not fit its schema: ${String(error)}`, '', {
        ...this.context(mutation),
        cause: error,
      });
    }
    const envelope: MutationEnvelope = {
      op: mutation.op,
      type: mutation.type,
      id: mutation.id,
      version: mutation.version,
      leaseExpiresAt: mutation.leaseExpiresAt,
      timestamp: mutation.timestamp,
      origin: mutation.origin,
      schemaFingerprint: reader.fingerprintBytes,
      state,
    };
    return { key, value: this.envelopeScratch.copyOf(MUTATION_ENVELOPE_TYPE, envelope), headers };
  }

  /**
   * @internal
   * The common record (a WRITE / UPDATE of a current type at its current schema) read in place from
   * a packed batch, or undefined: then `decode` the record, which handles everything else.
   */
  decodeInPlace(record: RecordInBuffer): Mutation | undefined {
    const { buf } = record;
    return this.fast.decodeIn(buf, record.keyStart, record.keyEnd, buf, record.valueStart, record.valueEnd);
  }

  /**
   * Decodes one consumed record. Throws `UnknownSchemaError` (retriable: reload the schema topic)
   * when the writer schema is not known yet, `CorruptRecordError` for a record that is not a mutation.
   */
  decode(record: LogRecord): Mutation {
    if (record.key === null) throw new CorruptRecordError('record without a key');
    if (record.value !== null) {
      const decoded = this.fast.decode(record.key, record.value);
      if (decoded !== undefined) return decoded;
    }
    const key = record.key.toString('utf8');
    const slash = key.indexOf('/');
    if (slash <= 0) throw new CorruptRecordError(`record key '${key}' is not <type>/<id>`);
    const type = key.slice(0, slash);
    const id = key.slice(slash + 1);
    if (record.value === null) return this.decodeTombstone(record, type, id);
    let envelope: MutationEnvelope;
    try {
      envelope = MUTATION_ENVELOPE_TYPE.fromBuffer(record.value) as MutationEnvelope;
    } catch (error) {
      throw new CorruptRecordError(`record ${key} is not a Mutation envelope`, {
        type,
        entryId: id,
        cause: error,
      });
    }
    if (envelope.type !== type || envelope.id !== id) {
      throw new CorruptRecordError(
        `record key '${key}' does not match its envelope ${envelope.type}/${envelope.id}`,
      );
    }
    const fingerprint = envelope.schemaFingerprint.toString('hex');
    return {
      op: envelope.op,
      type,
      id,
      version: envelope.version,
      leaseExpiresAt: envelope.leaseExpiresAt,
      timestamp: envelope.timestamp,
      origin: envelope.origin,
      state: this.decodeState(type, id, fingerprint, envelope.state),
    };
  }

  private decodeTombstone(record: LogRecord, type: string, id: string): Mutation {
    const op = header(record, HEADER.op);
    if (op !== 'TAKE' && op !== 'EXPIRE') {
      throw new CorruptRecordError(`tombstone ${type}/${id} has op header '${String(op)}'`, {
        type,
        entryId: id,
      });
    }
    return {
      op,
      type,
      id,
      version: Number(header(record, HEADER.version) ?? 0),
      leaseExpiresAt: null,
      timestamp: Number(header(record, HEADER.timestamp) ?? 0),
      origin: header(record, HEADER.origin) ?? '',
      state: null,
    };
  }

  private decodeState(type: string, id: string, fingerprint: string, bytes: Buffer): Entry {
    const reader = this.readers.get(type);
    if (reader !== undefined && reader.fingerprint === fingerprint)
      return toPlainEntry(reader.type.fromBuffer(bytes));
    const writer = this.writerSchemas.get(type, fingerprint);
    if (writer === undefined) throw new UnknownSchemaError(type, fingerprint, { entryId: id });
    if (reader === undefined) return toPlainEntry(writer.type.fromBuffer(bytes));
    const cacheKey = `${type}/${fingerprint}`;
    let resolver = this.resolvers.get(cacheKey);
    if (resolver === undefined) {
      resolver = reader.type.createResolver(writer.type);
      this.resolvers.set(cacheKey, resolver);
    }
    return toPlainEntry(reader.type.fromBuffer(bytes, resolver));
  }

  private reader(typeName: string): ReaderType {
    const reader = this.readers.get(typeName);
    if (reader === undefined) throw new UnknownTypeError(typeName);
    return reader;
  }

  private context(mutation: Mutation): { type: string; entryId: string } {
    return { type: mutation.type, entryId: mutation.id };
  }
}

function header(record: LogRecord, name: string): string | undefined {
  const raw = record.headers?.[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}
