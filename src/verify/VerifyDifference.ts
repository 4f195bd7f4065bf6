/** Where a difference was found: the live grid, or the mirror's tables. */
export type VerifySource = 'grid' | 'mirror';

/**
 * How a source differs from the fold of the log for one entry:
 * `missing` — the log holds it, the source does not; `extra` — the source holds it, the log does not;
 * `version` — both hold it at different versions; `content` — same version, different state or lease.
 */
export type DifferenceKind = 'missing' | 'extra' | 'version' | 'content';

/** What one side holds of an entry. */
export interface EntrySide {
  readonly version: number;
  readonly leaseExpiresAt: number | null;
}

/** One entry on which a source and the fold of the log disagree. */
export interface VerifyDifference {
  readonly source: VerifySource;
  readonly kind: DifferenceKind;
  readonly partition: number;
  readonly type: string;
  readonly id: string;
  /** The fold of the log's side (absent for `extra`). */
  readonly log?: EntrySide;
  /** The source's side (absent for `missing`). */
  readonly found?: EntrySide;
  /** For `content`: the first field that differs (`_lease` for the lease). */
  readonly field?: string;
}

/** Counts of one source's comparison of one partition. */
export interface SourceCounts {
  /** Entries compared (the union of both sides). */
  readonly compared: number;
  readonly missing: number;
  readonly extra: number;
  readonly version: number;
  readonly content: number;
  /** Entries the log changed while the source was read, checked against every state they passed through. */
  readonly moving: number;
}

/** A difference as one line for a human: `grid: missing Order/o-17 (log v3)`. */
export function describeDifference(d: VerifyDifference): string {
  const log = d.log === undefined ? '' : `log v${d.log.version}`;
  const found = d.found === undefined ? '' : `${d.source} v${d.found.version}`;
  const sides = [log, found].filter((s) => s.length > 0).join(', ');
  const field = d.field === undefined ? '' : `, field ${d.field}`;
  return `${d.source}: ${d.kind} ${d.type}/${d.id} in partition ${d.partition} (${sides}${field})`;
}
