export type {
  ConsoleDataSource,
  ConsoleQueryResult,
  ConsoleSnapshot,
  MirrorView,
  MutationFeed,
  TypeCount,
} from './ConsoleDataSource';
export {
  CONSOLE_QUERY_CAP,
  parseConsoleQuery,
  type ConsoleQuery,
  type ConsoleQueryInput,
  type ConsoleOperation,
} from './consoleQuery';
export {
  createConsoleHandler,
  type ConsoleHandlerOptions,
  type ConsoleRequestHandler,
} from './ConsoleHandler';
export {
  startConsoleServer,
  DEFAULT_CONSOLE_HOST,
  DEFAULT_CONSOLE_PORT,
  type ConsoleServer,
} from './ConsoleServer';
export { mountConsole, CONSOLE_PATH } from './mountConsole';
