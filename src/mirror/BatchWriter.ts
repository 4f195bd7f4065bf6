import type { Knex } from 'knex';
import { MirrorPoisonRecordError } from '../errors';
import {
  coalesce,
  historyRowOf,
  poison,
  type LoggedMutation,
  type MirrorRow,
  type TableChanges,
} from './coalesce';
import type { DeadLetter, DeadLetterStore } from './DeadLetterStore';
import { historyTableOf, qualified, quoteIdent } from './naming';
import type { OffsetStore } from './OffsetStore';
import { isTransientDatabaseError } from './retryDatabase';
import { META_COLUMNS, type TableMapping } from './TableMapping';

/**
 * PostgreSQL holds an older position than this projector committed (a database restored from a
 * backup, or commits lost by a server running without synchronous commit): the batch in hand starts
 * past a gap, so nothing of it is applied and the consumer must go back to `appliedOffset`.
 * @internal
 */
export class MirrorRewind extends Error {
  constructor(
    readonly partition: number,
    readonly appliedOffset: number,
  ) {
    super(`partition ${partition} must be read again from offset ${appliedOffset}`);
    this.name = 'MirrorRewind';
  }
}

/** What one applied batch did. */
export interface BatchOutcome {
  /** The partition's applied position after the batch (the next offset to apply). */
  readonly appliedOffset: number;
  /** Mutations of the batch that were not applied before (the rest were dropped as already applied). */
  readonly mutations: number;
  readonly upserts: number;
  readonly deletes: number;
  /** Records of the batch dead-lettered (newly recorded in `spacelog_dead_letters`). */
  readonly deadLetters: number;
  /** Those records (for the log). */
  readonly letters?: readonly DeadLetter[];
}

const NOTHING_NEW = { mutations: 0, upserts: 0, deletes: 0, deadLetters: 0 };

/**
 * Applies one batch of one partition in ONE PostgreSQL transaction: lock the partition's offset row,
 * drop records below it (already applied), coalesce by key, one DELETE per table, one upsert per
 * table (`INSERT … SELECT FROM jsonb_populate_recordset … ON CONFLICT (id) DO UPDATE … WHERE
 * _version < excluded._version`: a row never goes back to an older version), and the new offset.
 * Rows and offset commit together or not at all (docs/design.md law 5).
 *
 * With a dead-letter store, a batch holding a record that cannot be applied (undecodable, unmappable,
 * or refused by PostgreSQL) is applied again in one transaction record by record, in log order, each
 * under a savepoint: what fails goes to `spacelog_dead_letters` and the rest is applied as if that
 * record had never been logged; the dead letters and the offset commit with the rows. Without one, it
 * throws MirrorPoisonRecordError and applies nothing.
 */
export class BatchWriter {
  private readonly statements = new Map<string, { upsert: string; insert: string; remove: string }>();
  private readonly historySql: string | undefined;

  /** With `history`, every applied mutation is also appended to `<space>_history` in the same transaction. */
  constructor(
    private readonly knex: Knex,
    private readonly offsets: OffsetStore,
    private readonly mappings: ReadonlyMap<string, TableMapping>,
    private readonly space: string,
    history?: { readonly schema: string },
    private readonly deadLetters?: DeadLetterStore,
  ) {
    if (history !== undefined) {
      const table = qualified(history.schema, historyTableOf(space));
      this.historySql =
        `INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table}, ?::jsonb) ` +
        'ON CONFLICT DO NOTHING';
    }
  }

  /**
   * Applies `batch` (in log order) and moves the partition to `nextOffset` (the offset after the
   * batch's last record, transaction markers included). `expectedOffset` is where this projector
   * believes the partition is: a database behind it throws MirrorRewind. `undecodable` are the batch's
   * records that could not be decoded (dead-lettered with it). `coveredAt` (epoch ms) goes with the
   * offset: nothing after `nextOffset` was appended before it (see `StoredPosition`). Throws the database error (the caller
   * retries transient ones) or, without a dead-letter store, MirrorPoisonRecordError for a record that
   * cannot be projected.
   */
  async apply(
    partition: number,
    batch: readonly LoggedMutation[],
    nextOffset: number,
    expectedOffset: number,
    undecodable: readonly DeadLetter[] = [],
    coveredAt?: number,
  ): Promise<BatchOutcome> {
    if (undecodable.length > 0 && this.deadLetters !== undefined)
      return this.applyOneByOne(partition, batch, nextOffset, expectedOffset, undecodable, coveredAt);
    const context = { space: this.space, partition };
    try {
      return await this.knex.transaction(async (trx) => {
        const applied = await this.begin(trx, partition, expectedOffset);
        if (nextOffset <= applied) return { appliedOffset: applied, ...NOTHING_NEW };
        const fresh = batch.filter((m) => m.offset >= applied);
        const counts = await this.write(trx, coalesce(fresh, this.mappings, context));
        if (this.historySql !== undefined && fresh.length > 0) {
          const rows = fresh.map((m) => historyRowOf(this.mappings, m, context));
          await trx.raw(this.historySql, [JSON.stringify(rows)]);
        }
        await this.offsets.set(trx, partition, nextOffset, coveredAt);
        return { appliedOffset: nextOffset, mutations: fresh.length, ...counts, deadLetters: 0 };
      });
    } catch (error) {
      if (error instanceof MirrorRewind || isTransientDatabaseError(error)) throw error;
      if (!(error instanceof MirrorPoisonRecordError) && !isDataError(error)) throw error;
      if (this.deadLetters !== undefined)
        return this.applyOneByOne(partition, batch, nextOffset, expectedOffset, undecodable, coveredAt);
      if (error instanceof MirrorPoisonRecordError) throw error;
      throw await this.diagnose(partition, batch, error);
    }
  }

  /** Sets up a batch transaction: durable commit, the partition's offset row locked and checked. */
  private async begin(trx: Knex.Transaction, partition: number, expectedOffset: number): Promise<number> {
    // The offset row must survive a server crash once we move on: never trust synchronous_commit=off.
    await trx.raw('SET LOCAL synchronous_commit = on');
    const applied = await this.offsets.lock(trx, partition);
    if (applied < expectedOffset) throw new MirrorRewind(partition, applied);
    return applied;
  }

  /** One DELETE and the upserts per table. */
  private async write(
    trx: Knex.Transaction,
    tables: readonly TableChanges[],
  ): Promise<{ upserts: number; deletes: number }> {
    let upserts = 0;
    let deletes = 0;
    for (const changes of tables) {
      const sql = this.sqlOf(changes.mapping);
      if (changes.deletes.length > 0) {
        await trx.raw(sql.remove, [changes.deletes]);
        deletes += changes.deletes.length;
      }
      const inserted = changes.upserts.filter((_, i) => changes.fresh[i] === true);
      const updated = changes.upserts.filter((_, i) => changes.fresh[i] !== true);
      if (inserted.length > 0) await trx.raw(sql.insert, [JSON.stringify(inserted)]);
      if (updated.length > 0) await trx.raw(sql.upsert, [JSON.stringify(updated)]);
      upserts += changes.upserts.length;
    }
    return { upserts, deletes };
  }

  /**
   * The slow path of a batch holding poison: every record alone (a batch of one coalesces to exactly
   * what applying it does), under a savepoint, so a refused one is rolled back alone and dead-lettered;
   * then the dead letters and the offset, all in one transaction.
   */
  private async applyOneByOne(
    partition: number,
    batch: readonly LoggedMutation[],
    nextOffset: number,
    expectedOffset: number,
    undecodable: readonly DeadLetter[],
    coveredAt: number | undefined,
  ): Promise<BatchOutcome> {
    const store = this.deadLetters;
    if (store === undefined) throw new Error('applyOneByOne needs a dead-letter store');
    const context = { space: this.space, partition };
    return this.knex.transaction(async (trx) => {
      const applied = await this.begin(trx, partition, expectedOffset);
      if (nextOffset <= applied) return { appliedOffset: applied, ...NOTHING_NEW };
      const letters = undecodable.filter((l) => l.offset >= applied);
      const fresh = batch.filter((m) => m.offset >= applied);
      let upserts = 0;
      let deletes = 0;
      let mutations = 0;
      for (const logged of fresh) {
        let tables: TableChanges[];
        let history: MirrorRow | undefined;
        try {
          tables = coalesce([logged], this.mappings, context);
          if (this.historySql !== undefined) history = historyRowOf(this.mappings, logged, context);
        } catch (error) {
          if (!(error instanceof MirrorPoisonRecordError)) throw error;
          letters.push(letterOf(partition, logged, 'UNMAPPABLE', error.message));
          continue;
        }
        await trx.raw('SAVEPOINT spacelog_record');
        try {
          const counts = await this.write(trx, tables);
          if (history !== undefined) await trx.raw(this.historySql ?? '', [JSON.stringify([history])]);
          await trx.raw('RELEASE SAVEPOINT spacelog_record');
          upserts += counts.upserts;
          deletes += counts.deletes;
          mutations++;
        } catch (error) {
          if (!isDataError(error)) throw error;
          await trx.raw('ROLLBACK TO SAVEPOINT spacelog_record');
          letters.push(letterOf(partition, logged, `PG_${sqlStateOf(error)}`, describeError(error)));
        }
      }
      letters.sort((a, b) => a.offset - b.offset);
      const recorded = await store.insertNew(trx, letters);
      await this.offsets.set(trx, partition, nextOffset, coveredAt);
      return {
        appliedOffset: nextOffset,
        mutations,
        upserts,
        deletes,
        deadLetters: recorded.length,
        letters: recorded,
      };
    });
  }

  /**
   * PostgreSQL refused the batch's data (a value out of range, a CHECK): find the record by
   * replaying its rows one by one under savepoints in a transaction that is rolled back.
   */
  private async diagnose(
    partition: number,
    batch: readonly LoggedMutation[],
    failure: unknown,
  ): Promise<unknown> {
    const context = { space: this.space, partition };
    let culprit: unknown;
    const rollback = new Error('diagnosis done');
    await this.knex
      .transaction(async (trx) => {
        const tables: TableChanges[] = coalesce(batch, this.mappings, context);
        for (const changes of tables) {
          const sql = this.sqlOf(changes.mapping);
          for (const [i, row] of changes.upserts.entries()) {
            await trx.raw('SAVEPOINT spacelog_row');
            try {
              await trx.raw(sql.upsert, [JSON.stringify([row] satisfies MirrorRow[])]);
            } catch (error) {
              const source = changes.sources[i];
              if (source !== undefined) culprit = poison(source, context, describeError(error), error);
              throw rollback;
            }
            await trx.raw('ROLLBACK TO SAVEPOINT spacelog_row');
          }
        }
        throw rollback; // a diagnosis never commits anything
      })
      .catch(() => undefined);
    return culprit ?? failure;
  }

  private sqlOf(m: TableMapping): { upsert: string; insert: string; remove: string } {
    let sql = this.statements.get(m.typeName);
    if (sql === undefined) {
      const columns = [...m.columns.map((c) => c.name), ...META_COLUMNS.map((c) => c.name)].map(quoteIdent);
      const id = quoteIdent(m.idColumn.name);
      const updates = columns.filter((c) => c !== id).map((c) => `${c} = excluded.${c}`);
      const select = `SELECT ${columns.join(', ')} FROM jsonb_populate_recordset(NULL::${m.qualifiedTable}, ?::jsonb)`;
      sql = {
        insert: `INSERT INTO ${m.qualifiedTable} (${columns.join(', ')}) ${select}`,
        upsert:
          `INSERT INTO ${m.qualifiedTable} AS t (${columns.join(', ')}) ` +
          `SELECT ${columns.join(', ')} FROM jsonb_populate_recordset(NULL::${m.qualifiedTable}, ?::jsonb) ` +
          `ON CONFLICT (${id}) DO UPDATE SET ${updates.join(', ')} WHERE t."_version" < excluded."_version"`,
        remove: `DELETE FROM ${m.qualifiedTable} WHERE ${id} = ANY(?::${m.idColumn.sqlType}[])`,
      };
      this.statements.set(m.typeName, sql);
    }
    return sql;
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): the data, not the server. @internal */
export function isDataError(error: unknown): boolean {
  const code = sqlStateOf(error);
  return code.startsWith('22') || code.startsWith('23');
}

/** @internal */
export function sqlStateOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** The dead letter of a decoded record the mirror could not apply. @internal */
export function letterOf(
  partition: number,
  logged: LoggedMutation,
  code: DeadLetter['code'],
  message: string,
): DeadLetter {
  return {
    partition,
    offset: logged.offset,
    key: logged.raw?.key ?? Buffer.from(`${logged.mutation.type}/${logged.mutation.id}`),
    op: logged.mutation.op,
    code,
    message: message.startsWith('cannot mirror') ? message : `${describeMutation(logged)}: ${message}`,
    value: logged.raw?.value ?? null,
  };
}

function describeMutation({ mutation, offset }: LoggedMutation): string {
  return `cannot mirror ${mutation.op} ${mutation.type}/${mutation.id} v${mutation.version} at offset ${offset}`;
}

/** @internal */
export function describeError(error: unknown): string {
  const e = error as { message?: unknown; code?: unknown };
  return `PostgreSQL refused it (${String(e.code)}): ${String(e.message)}`;
}
