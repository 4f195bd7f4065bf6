import type { LogFields } from './SpacelogLogger';

/**
 * The `event` field of Spacelog's records: one name per kind of transition, so a log pipeline can
 * count and alert on them without parsing messages (docs/operations.md, "Logging").
 */
export const LOG_EVENT = {
  /** A replica began folding its partition log (primary: after fencing the older writer). */
  warmupStart: 'warmup-start',
  /** A primary's warm-up step (fencing the older writer, taking over a backup's state) is still waiting. */
  warmupSlow: 'warmup-slow',
  /** A replica caught up: a primary serves, a backup is ready. */
  warmupEnd: 'warmup-end',
  /** A replica changed role without a warm-up (closed, handed over, moved away). */
  roleChange: 'role-change',
  /** A primary was fenced by a newer writer of its partition. */
  fenced: 'fenced',
  /** A replica failed (an append, a read) and rebuilds from the log. */
  rebuild: 'rebuild',
  /** A replica was asked for a move its life does not allow (a bug): refused, it stays where it was. */
  illegalTransition: 'illegal-transition',
  /** A partition log holds a record the restore fold refuses: the replica stays unready. */
  corruptLog: 'corrupt-log',
  /** A unit received a new placement from its group. */
  rebalance: 'rebalance',
  /** A unit's group membership consumer crashed (kafkajs restarts it unless the error is fatal). */
  membershipCrash: 'membership-crash',
  /** The mirror lost PostgreSQL (first failed attempt of an outage). */
  mirrorOutage: 'mirror-outage',
  /** The mirror reached PostgreSQL again after an outage. */
  mirrorRecovered: 'mirror-recovered',
  /** The mirror rebuilt a partition's rows from its whole log. */
  mirrorReconcile: 'mirror-reconcile',
  /** The mirror stopped on a failure it cannot retry. */
  mirrorStopped: 'mirror-stopped',
  /** A record the mirror cannot apply (dead-lettered, or stopping it). */
  poisonRecord: 'poison-record',
  /** The wire server refused or closed a connection with a reason (auth, limits, hostile frames). */
  connectionRefused: 'connection-refused',
  /** A listener (subscription, partition events) threw. */
  listenerError: 'listener-error',
  /** A warm-up from the mirror could not read its snapshot and read the log instead. */
  snapshotFallback: 'snapshot-fallback',
} as const;

export type LogEvent = (typeof LOG_EVENT)[keyof typeof LOG_EVENT];

/**
 * An error as record fields: `err` (serialized by the logger: type, message, stack, code, context)
 * and `code` at the top level, the field alerts match on. Absent error: no fields.
 */
export function errorFields(error: unknown): LogFields {
  if (error === undefined || error === null) return {};
  const code = (error as { code?: unknown }).code;
  return {
    err: error,
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
  };
}
