import type { Knex } from 'knex';
import { qualified } from './naming';

/**
 * Why a record was dead-lettered: `UNDECODABLE` (not a Mutation the mirror can read: bad bytes, a key
 * that is not `<type>/<id>`, an unknown writer schema), `UNMAPPABLE` (a value PostgreSQL cannot hold
 * as it is, or a type the mirror does not know), or `PG_<SQLSTATE>` (PostgreSQL refused the row).
 */
export type DeadLetterCode = 'UNDECODABLE' | 'UNMAPPABLE' | `PG_${string}`;

/** A record the mirror could not apply, as it goes to `spacelog_dead_letters`. */
export interface DeadLetter {
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  /** The mutation's op (from the envelope, else the `spacelog.op` header), null when unknown. */
  readonly op: string | null;
  readonly code: DeadLetterCode;
  readonly message: string;
  readonly value: Buffer | null;
}

/** A dead letter as listed from the table. */
export interface StoredDeadLetter extends DeadLetter {
  readonly deadLetteredAt: Date;
}

/** What {@link DeadLetterStore.list} returns. */
export interface DeadLetterQuery {
  readonly partition?: number;
  /** Most rows returned, oldest offsets first; default 100. */
  readonly limit?: number;
}

interface DeadLetterRow {
  partition: number;
  topic_offset: string;
  key: Buffer | null;
  op: string | null;
  error_code: string;
  error_message: string;
  value: Buffer | null;
  dead_lettered_at: Date;
}

export const DEFAULT_DEAD_LETTER_LIMIT = 100;

/**
 * The dead letters of one space in `spacelog_dead_letters` (from Spacelog's migration 0002), keyed by
 * partition and offset, so a batch applied again after a rewind never records one twice.
 */
export class DeadLetterStore {
  private readonly table: string;

  constructor(
    private readonly schema: string,
    private readonly space: string,
  ) {
    this.table = qualified(schema, 'spacelog_dead_letters');
  }

  /** Inside a batch transaction, with the offset that moves past them; returns how many were new. */
  async insert(trx: Knex.Transaction, letters: readonly DeadLetter[]): Promise<number> {
    return (await this.insertNew(trx, letters)).length;
  }

  /**
   * As {@link insert}, returning the letters that were new (a rebuild meets records dead-lettered
   * before, which stay as they were): what the mirror logs once committed.
   */
  async insertNew(trx: Knex.Transaction, letters: readonly DeadLetter[]): Promise<DeadLetter[]> {
    if (letters.length === 0) return [];
    const values = letters.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    const result = (await trx.raw(
      `INSERT INTO ${this.table} (space, partition, topic_offset, key, op, error_code, error_message, value) ` +
        `VALUES ${values} ON CONFLICT (space, partition, topic_offset) DO NOTHING RETURNING partition, topic_offset`,
      letters.flatMap((l) => [
        this.space,
        l.partition,
        l.offset,
        l.key,
        l.op === null ? null : printable(l.op),
        l.code,
        printable(l.message),
        l.value,
      ]),
    )) as { rows: { partition: number; topic_offset: string }[] };
    const inserted = new Set(result.rows.map((r) => `${r.partition}/${r.topic_offset}`));
    return letters.filter((l) => inserted.has(`${l.partition}/${l.offset}`));
  }

  /** Whether the table is there (Spacelog's migration 0002 ran in this schema). */
  async exists(knex: Knex): Promise<boolean> {
    const result = (await knex.raw('SELECT to_regclass(?) AS t', [this.table])) as { rows: { t: unknown }[] };
    return result.rows[0]?.t != null;
  }

  /** Dead letters per partition (partitions without any are absent). */
  async countAll(knex: Knex): Promise<Map<number, number>> {
    const rows = (await knex
      .withSchema(this.schema)
      .table('spacelog_dead_letters')
      .select('partition')
      .count({ n: '*' })
      .where({ space: this.space })
      .groupBy('partition')) as { partition: number; n: string | number }[];
    return new Map(rows.map((r) => [Number(r.partition), Number(r.n)]));
  }

  /** Dead letters in log order (partition, then offset). */
  async list(knex: Knex, query: DeadLetterQuery = {}): Promise<StoredDeadLetter[]> {
    let select = knex
      .withSchema(this.schema)
      .table('spacelog_dead_letters')
      .select('*')
      .where({ space: this.space });
    if (query.partition !== undefined) select = select.andWhere({ partition: query.partition });
    const rows = (await select
      .orderBy([{ column: 'partition' }, { column: 'topic_offset' }])
      .limit(query.limit ?? DEFAULT_DEAD_LETTER_LIMIT)) as DeadLetterRow[];
    return rows.map((r) => ({
      partition: Number(r.partition),
      offset: Number(r.topic_offset),
      key: r.key,
      op: r.op,
      code: r.error_code as DeadLetterCode,
      message: r.error_message,
      value: r.value,
      deadLetteredAt: r.dead_lettered_at,
    }));
  }
}

/** Text columns cannot hold U+0000: a message naming such a value shows it escaped (the bytes keep it). */
function printable(text: string): string {
  return text.split('\u0000').join('\\u0000');
}
