import { errorFields, LOG_EVENT } from './logEvents';
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
 * context as fields), then the application's handler, whose own throw is logged, never propagated
 * into the code that called the listener.
 */
export function reportListenerError(
  logger: SpacelogLogger,
  handler: ListenerErrorHandler | undefined,
): ListenerErrorHandler {
  return (error, context) => {
    logger.error(
      { event: LOG_EVENT.listenerError, ...context, ...errorFields(error) },
      `a ${context.source} listener threw`,
    );
    if (handler === undefined) return;
    try {
      handler(error, context);
    } catch (thrown) {
      logger.error(
        { event: LOG_EVENT.listenerError, ...context, handler: 'onListenerError', ...errorFields(thrown) },
        'onListenerError threw',
      );
    }
  };
}
