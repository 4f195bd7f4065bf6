import type { TailLine } from './tailFormat';
import type { ClusterView } from '../ops/status/ClusterView';
import type { StoredDeadLetter } from '../mirror/DeadLetterStore';
import type { PartitionLag } from '../mirror/MirrorLag';
import type { ConsoleQuery } from './consoleQuery';

/** The mirror as the console shows it; `error` when PostgreSQL could not be read this time. */
export interface MirrorView {
  /** PostgreSQL schema of the mirror's tables. */
  readonly schema: string;
  /** Applied offset, log end and lag per partition (seconds unknown while behind: `null`). */
  readonly lag?: readonly PartitionLag[];
  /** The oldest dead letters (a bounded few, in log order). */
  readonly deadLetters?: readonly StoredDeadLetter[];
  readonly error?: string;
}

/** Live entries of one type across the space (`count` through the grid). */
export interface TypeCount {
  readonly type: string;
  readonly count?: number;
  readonly error?: string;
}

/**
 * Everything the console's status panels show, read at `takenAt`. Each part is independent: a part
 * that could not be read carries its error line and the others still show.
 */
export interface ConsoleSnapshot {
  readonly space: string;
  readonly takenAt: number;
  /** Placement from the units' group and each unit's own report (see `spacelog cluster status`). */
  readonly cluster?: ClusterView;
  readonly clusterError?: string;
  /** Committed end of each partition log, by partition. */
  readonly logEnds?: readonly number[];
  readonly logEndsError?: string;
  /** Absent when the console was not given a mirror database. */
  readonly mirror?: MirrorView;
  readonly counts: readonly TypeCount[];
  readonly countsError?: string;
}

/** What a read-only query of the console's query box answered. */
export interface ConsoleQueryResult {
  /** Entries found (read: zero or one), at most the cap, as JSON-ready values. */
  readonly entries: readonly Readonly<Record<string, unknown>>[];
  /** `count` only. */
  readonly count?: number;
  /** More entries matched than the cap; only the first `entries.length` are shown. */
  readonly capped: boolean;
  readonly elapsedMs: number;
}

/**
 * The committed mutations of a space as they are appended, shared by every open tail of a console.
 * `subscribe` returns the unsubscribe function.
 */
export interface MutationFeed {
  /** Hears each mutation decoded from now on. */
  subscribe(listener: (line: TailLine) => void): () => void;
  /** The last mutations seen (oldest first), for a page that opens after they were written. */
  recent(): readonly TailLine[];
  /**
   * Starts following the logs when not yet started; resolves once every mutation committed from now
   * on will reach the listeners (the log ends are taken), rejects with why it cannot follow.
   */
  ready(): Promise<void>;
}

/**
 * What the console needs from a space, whatever it is mounted on (`spacelog console` or a unit's
 * HTTP endpoint). Implemented for real by `SpaceConsoleSource`; every method is read-only.
 */
export interface ConsoleDataSource {
  readonly space: string;
  /** The status panels' data; implementations cache it briefly, so many open pages cost one read. */
  snapshot(): Promise<ConsoleSnapshot>;
  /** The entry types of the space (for the query box and the tail's type filter). */
  types(): Promise<readonly string[]>;
  /** Runs a read-only query (read, readMultiple or count), capped; rejects with a typed error. */
  query(query: ConsoleQuery): Promise<ConsoleQueryResult>;
  readonly feed: MutationFeed;
  /** Releases connections and stops the feed. Idempotent. */
  close(): Promise<void>;
}
