import type { KafkaMessage } from 'kafkajs';
import { MirrorPoisonRecordError, UnknownSchemaError } from '../errors';
import { MutationCodec } from '../log/MutationCodec';
import type { SchemaTopic } from '../log/SchemaTopic';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { LoggedMutation } from './coalesce';

/**
 * Turns the records of a partition log into the mutations the mirror applies, resolving each with
 * its writer schema from the schema topic. A record that cannot be decoded is a
 * MirrorPoisonRecordError naming its partition, offset, type and entry id.
 * @internal
 */
export class MirrorRecordDecoder {
  private constructor(
    private readonly space: string,
    private readonly codec: MutationCodec,
    private readonly schemaTopic: SchemaTopic,
  ) {}

  /** Reads the writer schemas registered so far and returns a decoder for the space's entry types. */
  static async load(
    space: string,
    types: TypeRegistry,
    schemaTopic: SchemaTopic,
  ): Promise<MirrorRecordDecoder> {
    const codec = new MutationCodec({ types: [...types], writerSchemas: await schemaTopic.load() });
    return new MirrorRecordDecoder(space, codec, schemaTopic);
  }

  /** Decodes the messages of one partition, in order; rejects with MirrorPoisonRecordError. */
  async decode(partition: number, messages: readonly KafkaMessage[]): Promise<LoggedMutation[]> {
    const codec = this.codec;
    const out: LoggedMutation[] = [];
    for (const message of messages) {
      const offset = Number(message.offset);
      let failure: unknown;
      try {
        out.push({ mutation: codec.decode(message), offset });
        continue;
      } catch (error) {
        failure = error;
      }
      if (failure instanceof UnknownSchemaError) {
        // A writer registered a schema after we loaded them: reload once, then it must resolve.
        await this.schemaTopic.load(codec.writerSchemas);
        try {
          out.push({ mutation: codec.decode(message), offset });
          continue;
        } catch (again) {
          failure = again;
        }
      }
      throw this.undecodable(partition, message, failure);
    }
    return out;
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
