import type { Knex } from 'knex';
import { MirrorPoisonRecordError } from '../errors';
import { describeError, isDataError, letterOf, sqlStateOf } from './BatchWriter';
import { poison, rowOf, type LoggedMutation, type MirrorRow } from './coalesce';
import type { DeadLetter, DeadLetterStore } from './DeadLetterStore';
import type { OffsetStore } from './OffsetStore';
import { META_COLUMNS, type TableMapping } from './TableMapping';
import { quoteIdent } from './naming';

/** What a rebuild of one partition from its whole log did. */
export interface RebuildOutcome {
  /** False when PostgreSQL already held a position at or past the read's end (another projector got there). */
  readonly rebuilt: boolean;
  /** The partition's applied position afterwards. */
  readonly appliedOffset: number;
  /** Live entries of the log written (inserted or corrected) as rows. */
  readonly rows: number;
  /** Rows deleted because the log no longer holds their entry (taken or expired, tombstone gone). */
  readonly removed: number;
  /** Live records that could not be applied, newly dead-lettered. */
  readonly deadLetters: number;
  /** Those records (for the log). */
  readonly letters?: readonly DeadLetter[];
}

/** Rows per upsert statement (bounds the JSON parameter of one statement). */
const CHUNK = 5000;

/**
 * Rebuilds one partition's rows from the restore fold of its whole log, in ONE PostgreSQL transaction
 * with the new offset: every mirror table loses the partition's rows whose entry the log no longer
 * holds, and every live entry's row is written as the log has it (even at a lower version: a life
 * begun after a take whose tombstone the mirror never saw). Used when a mirror resumes past the
 * tombstone horizon (see `reconcileReason`). The history table is not touched: the mutations in
 * between are gone from the log.
 * @internal
 */
export class PartitionRebuilder {
  constructor(
    private readonly knex: Knex,
    private readonly offsets: OffsetStore,
    private readonly mappings: ReadonlyMap<string, TableMapping>,
    private readonly space: string,
    private readonly deadLetters?: DeadLetterStore,
  ) {}

  /**
   * `live` is the fold of the log up to `nextOffset`: the latest WRITE / UPDATE of each entry still
   * there. `undecodable` are records of the read that could not be decoded. Without a dead-letter
   * store, a record that cannot be projected throws MirrorPoisonRecordError and nothing changes.
   */
  async rebuild(
    partition: number,
    live: readonly LoggedMutation[],
    nextOffset: number,
    coveredAt: number,
    undecodable: readonly DeadLetter[],
  ): Promise<RebuildOutcome> {
    const context = { space: this.space, partition };
    if (undecodable.length > 0 && this.deadLetters === undefined) {
      const first = undecodable[0];
      throw new MirrorPoisonRecordError(first?.message ?? 'undecodable record', {
        space: this.space,
        partition,
        offset: String(first?.offset),
      });
    }
    return this.knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL synchronous_commit = on');
      const applied = await this.offsets.lock(trx, partition);
      if (applied >= nextOffset)
        return { rebuilt: false, appliedOffset: applied, rows: 0, removed: 0, deadLetters: 0 };
      const letters: DeadLetter[] = [...undecodable];
      const byType = new Map<string, { rows: MirrorRow[]; sources: LoggedMutation[] }>();
      for (const logged of live) {
        const mapping = this.mappings.get(logged.mutation.type);
        try {
          if (mapping === undefined)
            throw poison(
              logged,
              context,
              `type ${logged.mutation.type} is not one of the mirror's entry types`,
            );
          const row = rowOf(mapping, logged, context);
          let group = byType.get(mapping.typeName);
          if (group === undefined) byType.set(mapping.typeName, (group = { rows: [], sources: [] }));
          group.rows.push(row);
          group.sources.push(logged);
        } catch (error) {
          if (!(error instanceof MirrorPoisonRecordError) || this.deadLetters === undefined) throw error;
          letters.push(letterOf(partition, logged, 'UNMAPPABLE', error.message));
        }
      }
      let rows = 0;
      let removed = 0;
      for (const mapping of this.mappings.values()) {
        const group = byType.get(mapping.typeName) ?? { rows: [], sources: [] };
        const id = quoteIdent(mapping.idColumn.name);
        const ids = group.rows.map((r) => r[mapping.idColumn.name]) as string[];
        const deleted = (await trx.raw(
          `DELETE FROM ${mapping.qualifiedTable} WHERE "_partition" = ? ` +
            `AND NOT (${id} = ANY(?::${mapping.idColumn.sqlType}[]))`,
          [partition, ids],
        )) as { rowCount: number | null };
        removed += deleted.rowCount ?? 0;
        for (let i = 0; i < group.rows.length; i += CHUNK) {
          rows += await this.upsert(
            trx,
            mapping,
            group.rows.slice(i, i + CHUNK),
            group.sources.slice(i, i + CHUNK),
            letters,
            context,
          );
        }
      }
      letters.sort((a, b) => a.offset - b.offset);
      const recorded = (await this.deadLetters?.insertNew(trx, letters)) ?? [];
      await this.offsets.set(trx, partition, nextOffset, coveredAt);
      await this.offsets.countReconcile(trx, partition);
      return {
        rebuilt: true,
        appliedOffset: nextOffset,
        rows,
        removed,
        deadLetters: recorded.length,
        letters: recorded,
      };
    });
  }

  /** Writes rows unconditionally (no version guard); a row PostgreSQL refuses is dead-lettered alone. */
  private async upsert(
    trx: Knex.Transaction,
    mapping: TableMapping,
    rows: readonly MirrorRow[],
    sources: readonly LoggedMutation[],
    letters: DeadLetter[],
    context: { readonly space: string; readonly partition: number },
  ): Promise<number> {
    const sql = upsertSql(mapping);
    await trx.raw('SAVEPOINT spacelog_rebuild');
    try {
      await trx.raw(sql, [JSON.stringify(rows)]);
      await trx.raw('RELEASE SAVEPOINT spacelog_rebuild');
      return rows.length;
    } catch (error) {
      if (!isDataError(error)) throw error;
      await trx.raw('ROLLBACK TO SAVEPOINT spacelog_rebuild');
    }
    let written = 0;
    for (const [i, row] of rows.entries()) {
      await trx.raw('SAVEPOINT spacelog_rebuild');
      try {
        await trx.raw(sql, [JSON.stringify([row])]);
        await trx.raw('RELEASE SAVEPOINT spacelog_rebuild');
        written++;
      } catch (error) {
        if (!isDataError(error)) throw error;
        await trx.raw('ROLLBACK TO SAVEPOINT spacelog_rebuild');
        const source = sources[i];
        if (source === undefined) throw error;
        if (this.deadLetters === undefined) throw poison(source, context, describeError(error), error);
        letters.push(letterOf(context.partition, source, `PG_${sqlStateOf(error)}`, describeError(error)));
      }
    }
    return written;
  }
}

/** An upsert that overwrites whatever version the row holds, skipping rows already at that record. */
function upsertSql(m: TableMapping): string {
  const columns = [...m.columns.map((c) => c.name), ...META_COLUMNS.map((c) => c.name)].map(quoteIdent);
  const id = quoteIdent(m.idColumn.name);
  const updates = columns.filter((c) => c !== id).map((c) => `${c} = excluded.${c}`);
  return (
    `INSERT INTO ${m.qualifiedTable} AS t (${columns.join(', ')}) ` +
    `SELECT ${columns.join(', ')} FROM jsonb_populate_recordset(NULL::${m.qualifiedTable}, ?::jsonb) ` +
    `ON CONFLICT (${id}) DO UPDATE SET ${updates.join(', ')} ` +
    'WHERE t."_offset" IS DISTINCT FROM excluded."_offset" OR t."_version" IS DISTINCT FROM excluded."_version"'
  );
}
