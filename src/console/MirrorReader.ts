import type { Knex } from 'knex';
import { DeadLetterStore } from '../mirror/DeadLetterStore';
import { lagOf } from '../mirror/MirrorLag';
import { OffsetStore } from '../mirror/OffsetStore';
import type { MirrorView } from './ConsoleDataSource';
import { describeError } from './describeError';

/** Dead letters listed on the console (the oldest; `spacelog mirror dead-letters` lists them all). */
export const CONSOLE_DEAD_LETTERS = 20;

/**
 * Reads the mirror's side for the console: applied positions from `spacelog_offsets` and dead letters
 * from `spacelog_dead_letters`, set against the log ends the console read from Kafka. Unlike `spacelog
 * mirror status` it does not read the logs for the age of the oldest unapplied record (a group join
 * per lagging partition, every few seconds): the lag is shown in records, seconds as unknown.
 */
export class MirrorReader {
  private readonly offsets: OffsetStore;
  private readonly letters: DeadLetterStore;

  constructor(
    private readonly knex: Knex,
    readonly schema: string,
    space: string,
  ) {
    this.offsets = new OffsetStore(schema, space);
    this.letters = new DeadLetterStore(schema, space);
  }

  /**
   * What the mirror panel shows, never a rejection: {@link read}, or the line saying why the mirror
   * could not be read (PostgreSQL away, or the log ends it is set against unknown).
   */
  async view(logEnds: readonly number[] | undefined): Promise<MirrorView> {
    if (logEnds === undefined) return { schema: this.schema, error: 'the log ends are unknown' };
    try {
      return await this.read(logEnds);
    } catch (error) {
      return { schema: this.schema, error: describeError(error) };
    }
  }

  /** The mirror's lag per partition given the log ends, and its oldest dead letters. */
  async read(logEnds: readonly number[]): Promise<MirrorView> {
    const [applied, hasLetters] = await Promise.all([
      this.offsets.readAll(this.knex),
      this.letters.exists(this.knex),
    ]);
    const [counts, deadLetters] = hasLetters
      ? await Promise.all([
          this.letters.countAll(this.knex),
          this.letters.list(this.knex, { limit: CONSOLE_DEAD_LETTERS }),
        ])
      : [new Map<number, number>(), []];
    return {
      schema: this.schema,
      lag: lagOf(applied, logEnds, new Map(), { deadLetters: counts }),
      deadLetters,
    };
  }
}
