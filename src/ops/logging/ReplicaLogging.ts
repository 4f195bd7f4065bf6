import { CorruptLogError, type IllegalReplicaTransitionError } from '../../errors';
import { defaultLoggerForReports } from './createLogger';
import { errorFields, LOG_EVENT, type LogEvent } from './logEvents';
import type { SpacelogLogger } from './SpacelogLogger';

/** What a replica knows of itself when it changes role. */
export interface ReplicaFacts {
  /** Entries resident now. */
  readonly entries: number;
  /** First log offset not folded yet, when the replica tracks it. */
  readonly offset?: number;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Which replica: `primary` or `backup`. Role names are the replica's states (partition/ReplicaLifecycle),
 * taken here as plain strings: ops/ sits below the partitions and does not import them.
 */
type Replica = 'primary' | 'backup';

/**
 * Turns one replica's role changes into records, one per transition: `warmup-start`, `warmup-end`
 * (with the entries, the offset reached and the warm-up's duration), `fenced`, `rebuild`,
 * `corrupt-log`, and `role-change` for the rest (closed, handed over). The logger comes bound to
 * the space, unit and partition; each record adds `replica` (`primary` or `backup`) and `role`.
 * Without a logger it does nothing, except for a move the replica's life refused (`refused`,
 * `illegal-transition`), a bug that the default logger reports then.
 * @internal
 */
export class ReplicaLogging {
  private warmingSince: number | undefined;

  constructor(
    private readonly logger: SpacelogLogger | undefined,
    private readonly replica: Replica,
  ) {}

  /** Logs the move to `role`; `facts` is read only when a record needs it. */
  transition(role: string, reason: unknown, facts: () => ReplicaFacts): void {
    const logger = this.logger;
    if (logger === undefined) return;
    const { replica } = this;
    const base = { replica, role };
    if (role === 'warming') {
      this.warmingSince = performance.now();
      logger.info({ event: LOG_EVENT.warmupStart, ...base }, `${replica} warming up from the log`);
      return;
    }
    if (role === 'primary' || role === 'backup') {
      const since = this.warmingSince;
      this.warmingSince = undefined;
      const { entries, offset } = facts();
      const durationMs = since === undefined ? undefined : Math.round(performance.now() - since);
      logger.info(
        {
          event: LOG_EVENT.warmupEnd,
          ...base,
          entries,
          ...(offset === undefined ? {} : { offset }),
          ...(durationMs === undefined ? {} : { durationMs }),
        },
        role === 'primary' ? 'serving as primary' : 'backup ready (caught up)',
      );
      return;
    }
    const [level, event, message] = recordOf(replica, role, reason);
    logger[level]({ event, ...base, ...reasonFields(reason) }, message);
  }

  /**
   * A move the replica's life does not allow was asked where nothing may throw (an appender's
   * callback, a tail's failure): a bug, logged at error level (to the default logger when the
   * replica has none); the replica stays where it was.
   */
  refused(error: IllegalReplicaTransitionError): void {
    (this.logger ?? defaultLoggerForReports()).error(
      {
        event: LOG_EVENT.illegalTransition,
        replica: this.replica,
        from: error.from,
        to: error.to,
        ...errorFields(error),
      },
      `${this.replica} refused an illegal move from ${error.from} to ${error.to}`,
    );
  }
}

function recordOf(replica: Replica, role: string, reason: unknown): [Level, LogEvent, string] {
  if (role === 'corrupt' || reason instanceof CorruptLogError)
    return ['error', LOG_EVENT.corruptLog, `${replica} stopped: its log holds a record the fold refuses`];
  if (role === 'fenced')
    return ['warn', LOG_EVENT.fenced, 'primary fenced by a newer writer; it serves no more'];
  if (role === 'failed') return ['warn', LOG_EVENT.rebuild, `${replica} failed; rebuilding from the log`];
  return ['info', LOG_EVENT.roleChange, `${replica} ${role}`];
}

/** The reason's fields: its error and code, and the log offset it names, if any. */
function reasonFields(reason: unknown): Record<string, unknown> {
  if (reason === undefined) return {};
  const offset = (reason as { offset?: unknown }).offset;
  return { ...errorFields(reason), ...(offset === undefined ? {} : { offset: Number(offset) }) };
}
