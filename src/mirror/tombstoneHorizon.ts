/** Why a mirror partition is rebuilt from a full read of its log instead of resumed. */
export type ReconcileReason = 'below-log-start' | 'past-tombstone-horizon' | 'horizon-unknown';

/** What the horizon check looks at when the mirror resumes a partition. */
export interface HorizonInputs {
  /** Next offset to apply, as stored with the rows. */
  readonly appliedOffset: number;
  /** Epoch ms before which nothing after `appliedOffset` was appended; null when unknown. */
  readonly coveredAt: number | null;
  /** The partition log's first offset (low watermark). */
  readonly logStart: number;
  /** The partition log's end (high watermark). */
  readonly logEnd: number;
  /** The topic's `delete.retention.ms` as Kafka holds it. */
  readonly deleteRetentionMs: number;
  readonly now: number;
}

/** Slack for clocks (the primary's timestamps vs this process's) and for the cleaner's own timing. */
export const HORIZON_MARGIN_SHARE = 0.1;
export const MAX_HORIZON_MARGIN_MS = 5 * 60_000;

/** How much earlier than `delete.retention.ms` a position counts as past the horizon. */
export function horizonMarginMs(deleteRetentionMs: number): number {
  return Math.min(MAX_HORIZON_MARGIN_MS, deleteRetentionMs * HORIZON_MARGIN_SHARE);
}

/**
 * Whether resuming a partition from its stored position could miss TAKE / EXPIRE tombstones that
 * Kafka's cleaner already removed (docs/design.md law 1: tombstones live `delete.retention.ms` after they were
 * appended, at least), and why:
 *
 * - nothing appended since the position (`logEnd <= appliedOffset`), or a position at 0 (the whole log
 *   is read anyway): safe;
 * - the position is below the log start: records it never applied are gone (`below-log-start`);
 * - the position's age is unknown (stored before the mirror tracked it): `horizon-unknown`;
 * - more than `delete.retention.ms` minus a margin has passed since `coveredAt`, so a tombstone
 *   appended after the position may be gone: `past-tombstone-horizon`.
 *
 * Returns undefined when resuming is safe. Pure: the caller supplies the clock.
 */
export function reconcileReason(inputs: HorizonInputs): ReconcileReason | undefined {
  const { appliedOffset, coveredAt, logStart, logEnd, deleteRetentionMs, now } = inputs;
  if (appliedOffset === 0 || logEnd <= appliedOffset) return undefined;
  if (appliedOffset < logStart) return 'below-log-start';
  if (coveredAt === null) return 'horizon-unknown';
  if (now - coveredAt > deleteRetentionMs - horizonMarginMs(deleteRetentionMs))
    return 'past-tombstone-horizon';
  return undefined;
}
