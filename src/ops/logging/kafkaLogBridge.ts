import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { LogFields, SpacelogLogger } from './SpacelogLogger';

/** The Spacelog level each kafkajs level is written at. @internal */
export type BridgedLevel = 'trace' | 'debug' | 'warn';

/**
 * kafkajs's levels, lowered: its ERROR and WARN records are mostly retriable hiccups Spacelog
 * retries or turns into typed errors of its own (a coordinator loading, a rebalance in progress, a
 * broker restarting), so they are warnings, never errors; its INFO is chatty (every consumer join,
 * every producer connect) and becomes debug; its DEBUG (every request) becomes trace.
 */
export function bridgedLevelOf(level: logLevel): BridgedLevel | undefined {
  switch (level) {
    case logLevel.ERROR:
    case logLevel.WARN:
      return 'warn';
    case logLevel.INFO:
      return 'debug';
    case logLevel.DEBUG:
      return 'trace';
    default:
      return undefined;
  }
}

/**
 * kafkajs records that say nothing an operator acts on, written at debug whatever their kafkajs
 * level: an error answer to one request and the producer's retry of it (kafkajs's Connection logs each
 * at ERROR; CONCURRENT_TRANSACTIONS after every commit under load, hundreds a second, each retried or
 * surfaced as a Spacelog error, which is logged where it matters), and
 * the start-up notices about settings Spacelog chose on purpose (the v2 partitioner, bounded retries of
 * the transactional producer).
 */
function isRoutine(namespace: string, message: string): boolean {
  return (
    (namespace === 'Connection' && message.startsWith('Response ')) ||
    (namespace === 'Producer' && message.startsWith('Failed to send messages')) ||
    // A unit's group rebalancing is what a placement change is: Spacelog logs the placement it adopts.
    (namespace === 'Runner' && message.startsWith('The group is rebalancing, re-joining')) ||
    message.startsWith('KafkaJS v2.0.0 switched default partitioner') ||
    message.startsWith('Limiting retries for the idempotent producer')
  );
}

/**
 * The lowest kafkajs level worth producing for a logger: kafkajs builds its DEBUG records (one per
 * request) only when they would be written. A logger that does not say its level gets warnings only.
 */
export function kafkaLogLevelFor(logger: SpacelogLogger): logLevel {
  switch (logger.level) {
    case 'trace':
      return logLevel.DEBUG;
    case 'debug':
      return logLevel.INFO;
    case 'error':
    case 'fatal':
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.WARN;
  }
}

/**
 * kafkajs's `logCreator` writing into a Spacelog logger: each record at its bridged level with
 * `component: 'kafkajs'`, kafkajs's namespace (`Consumer`, `Connection`, ...) and its extra fields
 * (broker, groupId, error, ...), its message as the message. kafkajs's own timestamp and logger name
 * are dropped (the logger stamps its own).
 */
export function kafkaLogCreator(logger: SpacelogLogger): logCreator {
  const target = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      let bridged = bridgedLevelOf(level);
      if (bridged === undefined) return;
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      if (bridged === 'warn' && isRoutine(namespace, String(message))) bridged = 'debug';
      const fields: LogFields = namespace ? { namespace, ...extra } : extra;
      target[bridged](fields, String(message));
    };
}
