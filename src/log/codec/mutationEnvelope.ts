import { Type, type Schema } from 'avsc';

/**
 * The Avro `Mutation` envelope. `schemas/spacelog/Mutation.avsc` is its public, documented copy
 * (a unit test keeps the two equal); it lives here too so the compiled package needs no file lookup.
 */
export const MUTATION_ENVELOPE_SCHEMA: Schema = {
  type: 'record',
  name: 'Mutation',
  namespace: 'io.spacelog',
  fields: [
    {
      name: 'op',
      type: { type: 'enum', name: 'MutationOp', symbols: ['WRITE', 'UPDATE', 'TAKE', 'EXPIRE'] },
    },
    { name: 'type', type: 'string' },
    { name: 'id', type: 'string' },
    { name: 'version', type: 'long' },
    {
      name: 'leaseExpiresAt',
      type: ['null', { type: 'long', logicalType: 'timestamp-millis' }],
      default: null,
    },
    { name: 'timestamp', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'origin', type: 'string' },
    { name: 'schemaFingerprint', type: { type: 'fixed', name: 'SchemaFingerprint', size: 16 } },
    { name: 'state', type: 'bytes' },
  ],
};

/** The decoded envelope, as avsc reads it (logical types are left as epoch-millisecond numbers). */
export interface MutationEnvelope {
  op: 'WRITE' | 'UPDATE' | 'TAKE' | 'EXPIRE';
  type: string;
  id: string;
  version: number;
  leaseExpiresAt: number | null;
  timestamp: number;
  origin: string;
  schemaFingerprint: Buffer;
  state: Buffer;
}

/** @internal */
export const MUTATION_ENVELOPE_TYPE = Type.forSchema(MUTATION_ENVELOPE_SCHEMA);

/** Record header names (values are UTF-8 strings). Every record carries all of them. */
export const HEADER = {
  op: 'spacelog.op',
  version: 'spacelog.version',
  timestamp: 'spacelog.timestamp',
  origin: 'spacelog.origin',
  /** Envelope format version, `'1'`: lets a future envelope change be detected by readers. */
  envelope: 'spacelog.envelope',
} as const;

/** The current envelope format version written in the `spacelog.envelope` header. */
export const ENVELOPE_VERSION = '1';

/** The Avro fingerprint Spacelog uses to name a writer schema: MD5 of its canonical form, hex. */
export function schemaFingerprint(type: Type): string {
  return type.fingerprint('md5').toString('hex');
}
