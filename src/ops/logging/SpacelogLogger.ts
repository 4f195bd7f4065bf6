/** Structured fields of one log record (pino's "merging object"): `space`, `partition`, `unit`, `event`, `err`, ... */
export type LogFields = Readonly<Record<string, unknown>>;

/** One level's method: the fields first, then the message (pino's argument order). */
export type LogMethod = (fields: LogFields, message?: string) => void;

/**
 * The logger Spacelog writes to: the subset of pino's interface it uses, so a pino logger (or a
 * child of the application's own) can be passed as it is, and anything else shaped like it too
 * (bunyan-style adapters, a test's capturing logger). `child` returns a logger that adds `bindings`
 * to every record; Spacelog binds `component`, `space`, `unit` and `partition` that way.
 */
export interface SpacelogLogger {
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  fatal: LogMethod;
  child(bindings: LogFields): SpacelogLogger;
  /**
   * The lowest level written (pino's `level`), when the logger knows it: Spacelog asks kafkajs for
   * its debug records only when they would be written. Absent: kafkajs's warnings and errors only.
   */
  readonly level?: string;
}

/** Levels, lowest first, as pino names them. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** One of {@link LOG_LEVELS}, or `silent` (nothing is written). */
export type LogLevel = (typeof LOG_LEVELS)[number] | 'silent';
