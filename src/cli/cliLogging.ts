import { InvalidArgumentError } from 'commander';
import { createLogger, type LogFormat } from '../ops/logging/createLogger';
import { DEFAULT_SERVICE_LOG_LEVEL, logLevelFromEnv } from '../ops/logging/logLevelFromEnv';
import type { SpacelogLogger } from '../ops/logging/SpacelogLogger';

let format: LogFormat = 'human';
let logger: SpacelogLogger | undefined;

/** Parses `--log-format`: `human` (default) or `json`. */
export function parseLogFormat(value: string): LogFormat {
  if (value !== 'human' && value !== 'json') {
    throw new InvalidArgumentError(`must be human or json, got '${value}'`);
  }
  return value;
}

/** Sets the format of the logger long-running commands get (from the global `--log-format`). */
export function setCliLogFormat(value: LogFormat): void {
  format = value;
  logger = undefined;
}

/**
 * The logger of a long-running command (`pu start`, `mirror run`): on standard error at
 * `SPACELOG_LOG_LEVEL`, else `info`; human lines (`12:04:05.120 WARN  message  key=value ...`)
 * unless `--log-format json` asked for pino's JSON lines (with pid and hostname).
 */
export function cliLogger(): SpacelogLogger {
  logger ??= createLogger({
    level: logLevelFromEnv(DEFAULT_SERVICE_LOG_LEVEL),
    format,
    ...(format === 'human' ? { base: {} } : {}),
  });
  return logger;
}
