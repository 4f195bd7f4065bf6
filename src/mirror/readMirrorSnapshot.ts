import type * as avro from 'avsc';
import type { Knex } from 'knex';
import { MirrorPoisonRecordError } from '../errors';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { RestoredEntry } from '../space/restoreEntry';
import { DeadLetterStore } from './DeadLetterStore';
import { entryOfRow, mirrorColumns } from './entryOfRow';
import { OffsetStore } from './OffsetStore';
import { mapEntryType } from './TableMapping';

/** One partition as the mirror holds it: its rows and the log offset they cover. */
export interface MirrorSnapshot {
  /** Next log offset the rows do not cover: a warm-up tails the log from here. */
  readonly nextOffset: number;
  readonly entries: readonly RestoredEntry[];
}

/** Where to read a partition's snapshot. */
export interface MirrorSnapshotSource {
  readonly knex: Knex;
  /** PostgreSQL schema of the mirror. */
  readonly schema: string;
  readonly space: string;
  readonly types: TypeRegistry;
}

/**
 * Reads every mirror row of one partition (`_partition = k`) with its version and lease, and the
 * partition's applied offset, in ONE read-only REPEATABLE READ transaction: the projector writes
 * rows and offset together, so the snapshot is exactly the fold of the log up to `nextOffset`, even
 * while the projector runs. Warm-up from the mirror restores these entries and tails the log from there.
 * A partition with dead letters is refused (MirrorPoisonRecordError naming the first): its rows lack
 * those records, so they are not the fold of its log, and the partition warms up from the log.
 */
export async function readMirrorSnapshot(
  source: MirrorSnapshotSource,
  partition: number,
): Promise<MirrorSnapshot> {
  const offsets = new OffsetStore(source.schema, source.space);
  return source.knex.transaction(
    async (trx) => {
      const nextOffset = (await offsets.readAll(trx)).get(partition) ?? 0;
      const entries: RestoredEntry[] = [];
      if (nextOffset === 0) return { nextOffset, entries };
      const deadLetters = new DeadLetterStore(source.schema, source.space);
      const [letter] = (await deadLetters.exists(trx))
        ? await deadLetters.list(trx, { partition, limit: 1 })
        : [];
      if (letter !== undefined) {
        throw new MirrorPoisonRecordError(
          `partition ${partition} of the mirror has dead letters (the first at offset ${letter.offset}): ` +
            'its rows are not the fold of its log',
          { space: source.space, partition, offset: String(letter.offset) },
        );
      }
      for (const type of source.types) {
        const mapping = mapEntryType(source.space, type, source.schema);
        const rows = (await trx
          .withSchema(source.schema)
          .table(mapping.table)
          .select(mirrorColumns(trx, mapping))
          .where('_partition', partition)) as Record<string, unknown>[];
        for (const row of rows) {
          const mirrored = entryOfRow(mapping, row, type.avroType as avro.types.RecordType);
          entries.push({
            type: type.name,
            id: mirrored.id,
            version: mirrored.version,
            leaseExpiresAt: mirrored.leaseExpiresAt,
            entry: mirrored.entry,
          });
        }
      }
      return { nextOffset, entries };
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}
