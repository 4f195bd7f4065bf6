import { defaultLoggerForReports } from './createLogger';
import { errorFields, LOG_EVENT } from './logEvents';
import { RecordRate } from '../rate/RecordRate';
import type { SpacelogLogger } from './SpacelogLogger';

/** Where a listener that threw was listening. */
export interface ListenerErrorContext {
  /** `subscription`: a `space.subscribe` listener; `partition-event`: an `onPartitionEvent` listener. */
  readonly source: 'subscription' | 'partition-event';
  readonly space?: string;
  readonly partition?: number;
  /** The entry type (subscriptions) or the partition event kind (`primary`, `backup-lost`, ...). */
  readonly type?: string;
}

/**
 * Told of every error a listener throws (the listener keeps listening). Logged in any case; this
 * option is for an application that also wants to count or rethrow them elsewhere.
 */
export type ListenerErrorHandler = (error: unknown, context: ListenerErrorContext) => void;

/**
 * The one way a listener's error is reported: an `error` record (`event: listener-error`, the
 * context as fields but `space`, which the owner's logger is bound to already), then the
 * application's handler, whose own throw is logged, never propagated into the code that called the
 * listener. The records are rate-bounded ({@link RecordRate}: a listener that throws on every event
 * writes 20 records per 10 s, the next carrying how many were left out); the handler hears every one.
 */
export function reportListenerError(
  logger: SpacelogLogger,
  handler: ListenerErrorHandler | undefined,
): ListenerErrorHandler {
  const rate = new RecordRate();
  return (error, context) => {
    const { space: _space, ...where } = context;
    const { write, suppressed } = rate.take();
    if (write) {
      logger.error(
        {
          event: LOG_EVENT.listenerError,
          ...where,
          ...errorFields(error),
          ...(suppressed && { suppressed }),
        },
        `a ${context.source} listener threw`,
      );
    }
    if (handler === undefined) return;
    try {
      handler(error, context);
    } catch (thrown) {
      if (rate.take().write)
        logger.error(
          { event: LOG_EVENT.listenerError, ...where, handler: 'onListenerError', ...errorFields(thrown) },
          'onListenerError threw',
        );
    }
  };
}

/**
 * The handler a host gives its partition events (`onPartitionEvent` listeners): reports through
 * {@link reportListenerError} with the partition and the event kind as context.
 */
export function partitionEventErrors(
  logger: SpacelogLogger,
  handler: ListenerErrorHandler | undefined,
  space: string,
): (error: unknown, event: { readonly kind: string; readonly partition: number }) => void {
  const report = reportListenerError(logger, handler);
  return (error, event) =>
    report(error, { source: 'partition-event', space, partition: event.partition, type: event.kind });
}

/**
 * The handler of a partition's subscription listeners when its host gave none: reports through
 * {@link reportListenerError} to `logger`, or to the process's default logger.
 */
export function subscriptionErrorsToLog(
  logger: SpacelogLogger | undefined,
  partition: number,
): (error: unknown) => void {
  let report: ListenerErrorHandler | undefined;
  return (error) => {
    // The default logger is looked up at the first error, as before, and the reporter (with its rate) kept.
    report ??= reportListenerError(logger ?? defaultLoggerForReports(), undefined);
    report(error, { source: 'subscription', partition });
  };
}
