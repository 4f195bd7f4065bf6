import pino from 'pino';
import { humanLines, type LogDestination } from './humanLines';
import { DEFAULT_LIBRARY_LOG_LEVEL, logLevelFromEnv } from './logLevelFromEnv';
import type { LogLevel, SpacelogLogger } from './SpacelogLogger';

/** What {@link createLogger} takes. */
export interface CreateLoggerOptions {
  /** Lowest level written; default `SPACELOG_LOG_LEVEL`, else `warn`. */
  readonly level?: LogLevel;
  /** `json` (default): one JSON object per line. `human`: `time LEVEL message key=value ...`. */
  readonly format?: LogFormat;
  /** Default: standard error, written synchronously (nothing is lost when the process exits). */
  readonly destination?: LogDestination;
  /** Fields on every record (pino's `base`); default `{ pid, hostname }`. */
  readonly base?: Readonly<Record<string, unknown>>;
}

/** How records are written: JSON lines, or lines for a person at a terminal. */
export type LogFormat = 'json' | 'human';

/**
 * A pino logger as Spacelog writes by default: JSON lines on standard error (standard output stays
 * the program's own: a CLI's tables, `spacelog tail`'s records), ISO timestamps, the level as its
 * name (`"level":"warn"`, readable without pino's number table), errors under `err` with their
 * `code`, `retriable` and context fields. Writes are synchronous: Spacelog logs transitions, not
 * operations, so the cost is nil on the request path and a crash loses no record.
 */
export function createLogger(options: CreateLoggerOptions = {}): SpacelogLogger {
  const level = options.level ?? logLevelFromEnv(DEFAULT_LIBRARY_LOG_LEVEL);
  const sink = options.destination ?? pino.destination({ dest: 2, sync: true });
  const destination = options.format === 'human' ? humanLines(sink) : sink;
  return pino(
    {
      level,
      ...(options.base === undefined ? {} : { base: { ...options.base } }),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

let shared: SpacelogLogger | undefined;

/**
 * The logger of a component given none: one per process, made at first use with {@link createLogger}'s
 * defaults (`SPACELOG_LOG_LEVEL`, else `warn`; JSON on standard error).
 */
export function defaultLogger(): SpacelogLogger {
  shared ??= createLogger();
  return shared;
}

let forReports: SpacelogLogger | undefined;

/**
 * The default logger for a report made where nothing may throw (a listener's error, inside a commit):
 * a bad `SPACELOG_LOG_LEVEL`, which a grid or unit refuses at start, falls back to `warn` here.
 */
export function defaultLoggerForReports(): SpacelogLogger {
  try {
    return defaultLogger();
  } catch {
    forReports ??= createLogger({ level: DEFAULT_LIBRARY_LOG_LEVEL });
    return forReports;
  }
}

/** The given logger, or the process's default one. */
export function resolveLogger(logger: SpacelogLogger | undefined): SpacelogLogger {
  return logger ?? defaultLogger();
}
