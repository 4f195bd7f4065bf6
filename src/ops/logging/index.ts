export type { LogFields, LogLevel, LogMethod, SpacelogLogger } from './SpacelogLogger';
export { LOG_LEVELS } from './SpacelogLogger';
export {
  createLogger,
  defaultLogger,
  resolveLogger,
  type CreateLoggerOptions,
  type LogFormat,
} from './createLogger';
export { type LogDestination } from './humanLines';
export { humanLine, humanLines } from './humanLines';
export {
  DEFAULT_LIBRARY_LOG_LEVEL,
  DEFAULT_SERVICE_LOG_LEVEL,
  LOG_LEVEL_VARIABLE,
  isLogLevel,
  logLevelFromEnv,
} from './logLevelFromEnv';
export { bridgedLevelOf, kafkaLogCreator, kafkaLogLevelFor } from './kafkaLogBridge';
export { errorFields, LOG_EVENT, type LogEvent } from './logEvents';
export {
  partitionEventErrors,
  reportListenerError,
  type ListenerErrorContext,
  type ListenerErrorHandler,
} from './listenerErrors';
