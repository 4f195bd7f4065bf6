import type { KafkaMessage } from 'kafkajs';
import { MirrorPoisonRecordError, UnknownSchemaError } from '../errors';
import { HEADER } from '../log/codec/mutationEnvelope';
import { MutationCodec } from '../log/codec/MutationCodec';
import type { SchemaTopic } from '../log/read/SchemaTopic';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { checkWritersBehind } from './checkWritersBehind';
import type { LoggedMutation } from './coalesce';
import type { DeadLetter } from './DeadLetterStore';

/** The records of one fetched batch: those decoded, and (when dead-lettering) those that could not be. */
export interface DecodedBatch {
  readonly mutations: LoggedMutation[];
  readonly undecodable: DeadLetter[];
}

/**
 * Turns the records of a partition log into the mutations the mirror applies, resolving each with
 * its writer schema from the schema topic. A record that cannot be decoded is a
 * MirrorPoisonRecordError naming its partition, offset, type and entry id: thrown, or with
 * `deadLetter`, returned as a dead letter (its bytes as logged) while the others go on. A writer schema
 * newer than the mirror's, with a field the mirror's lacks, stops it (MirrorSchemaBehindError).
 * @internal
 */
export class MirrorRecordDecoder {
  private constructor(
    private readonly space: string,
    private readonly types: TypeRegistry,
    private readonly codec: MutationCodec,
    private readonly schemaTopic: SchemaTopic,
  ) {}

  /**
   * Reads the writer schemas registered so far and returns a decoder for the space's entry types.
   * Throws MirrorSchemaBehindError when a writer is newer than the mirror's types, with a field they lack.
   */
  static async load(
    space: string,
    types: TypeRegistry,
    schemaTopic: SchemaTopic,
  ): Promise<MirrorRecordDecoder> {
    const writerSchemas = await schemaTopic.load();
    checkWritersBehind(space, types, writerSchemas);
    const codec = new MutationCodec({ types: [...types], writerSchemas });
    return new MirrorRecordDecoder(space, types, codec, schemaTopic);
  }

  /**
   * Decodes the messages of one partition, in order. An undecodable record rejects with
   * MirrorPoisonRecordError, or with `deadLetter` is returned among `undecodable`.
   */
  async decode(
    partition: number,
    messages: readonly KafkaMessage[],
    deadLetter = false,
  ): Promise<DecodedBatch> {
    const codec = this.codec;
    const out: LoggedMutation[] = [];
    const undecodable: DeadLetter[] = [];
    for (const message of messages) {
      const offset = Number(message.offset);
      const raw = { key: message.key ?? null, value: message.value ?? null };
      let failure: unknown;
      try {
        out.push({ mutation: codec.decode(message), offset, raw });
        continue;
      } catch (error) {
        failure = error;
      }
      if (failure instanceof UnknownSchemaError) {
        // A writer registered a schema after we loaded them: reload once, then it must resolve.
        await this.schemaTopic.load(codec.writerSchemas);
        // A newer writer with a field the mirror lacks stops the mirror (never a dead letter per record).
        checkWritersBehind(this.space, this.types, codec.writerSchemas);
        try {
          out.push({ mutation: codec.decode(message), offset, raw });
          continue;
        } catch (again) {
          failure = again;
        }
      }
      const error = this.undecodable(partition, message, failure);
      if (!deadLetter) throw error;
      undecodable.push({
        partition,
        offset,
        ...raw,
        op: opHeader(message),
        code: 'UNDECODABLE',
        message: error.message,
      });
    }
    return { mutations: out, undecodable };
  }

  private undecodable(partition: number, message: KafkaMessage, error: unknown): MirrorPoisonRecordError {
    const key = message.key?.toString('utf8') ?? '';
    const slash = key.indexOf('/');
    const reason = error instanceof Error ? error.message : String(error);
    return new MirrorPoisonRecordError(
      `cannot decode record ${key} at offset ${message.offset} of partition ${partition}: ${reason}`,
      {
        space: this.space,
        partition,
        offset: message.offset,
        ...(slash > 0 ? { type: key.slice(0, slash), entryId: key.slice(slash + 1) } : {}),
        cause: error,
      },
    );
  }
}

/** The `spacelog.op` header of a record, if it has one. */
function opHeader(message: KafkaMessage): string | null {
  const header = message.headers?.[HEADER.op];
  const value = Array.isArray(header) ? header[0] : header;
  return value === undefined ? null : value.toString();
}
