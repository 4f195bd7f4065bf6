import { InvalidArgumentError } from '../../errors';
import { LOG_LEVELS, type LogLevel } from './SpacelogLogger';

/** The environment variable that sets the level of Spacelog's own loggers. */
export const LOG_LEVEL_VARIABLE = 'SPACELOG_LOG_LEVEL';

/** Level of a process that runs Spacelog as its main job (`spacelog pu start`, `spacelog mirror`). */
export const DEFAULT_SERVICE_LOG_LEVEL: LogLevel = 'info';

/**
 * Level of the logger a library user gets without passing one: warnings and errors (fencings,
 * outages, refused connections, listener errors) show up, role changes and warm-ups do not, so an
 * application embedding a grid is not flooded on its own output.
 */
export const DEFAULT_LIBRARY_LOG_LEVEL: LogLevel = 'warn';

/** True for a level name pino knows (and `silent`). */
export function isLogLevel(value: unknown): value is LogLevel {
  return value === 'silent' || (LOG_LEVELS as readonly unknown[]).includes(value);
}

/**
 * The level `SPACELOG_LOG_LEVEL` names (case-insensitive), else `fallback`. A value that names no
 * level is refused at start rather than silently ignored.
 */
export function logLevelFromEnv(fallback: LogLevel, env: NodeJS.ProcessEnv = process.env): LogLevel {
  const raw = env[LOG_LEVEL_VARIABLE]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (!isLogLevel(raw)) {
    throw new InvalidArgumentError(
      `${LOG_LEVEL_VARIABLE} must be one of ${[...LOG_LEVELS, 'silent'].join(', ')}, got '${raw}'`,
    );
  }
  return raw;
}
