import { SpacelogError, SpacelogErrorOptions } from './SpacelogError';

/**
 * The connection to a Spacelog server was lost or could not be opened. `requestSent` says whether
 * the request may have reached the server: when false, any operation may be retried safely; when
 * true, a write or take may or may not have happened (retry only with an idempotency key).
 */
export class ConnectionLostError extends SpacelogError {
  readonly endpoint: string;
  readonly requestSent: boolean;
  constructor(message: string, endpoint: string, requestSent: boolean, options: SpacelogErrorOptions = {}) {
    super(message, 'CONNECTION_LOST', true, options);
    this.name = 'ConnectionLostError';
    this.endpoint = endpoint;
    this.requestSent = requestSent;
  }
}

/** A remote operation did not get its answer within its deadline (client-side timeout). */
export class RequestTimeoutError extends SpacelogError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number, options: SpacelogErrorOptions = {}) {
    super(`no answer within ${timeoutMs} ms`, 'REQUEST_TIMEOUT', true, options);
    this.name = 'RequestTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** A peer sent bytes that are not a valid Spacelog frame (bad length, kind or Avro body). */
export class ProtocolError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'PROTOCOL', false, options);
    this.name = 'ProtocolError';
  }
}

/** A frame is larger than the configured maximum; it is refused before it is buffered. */
export class FrameTooLargeError extends SpacelogError {
  readonly size: number;
  readonly limit: number;
  constructor(size: number, limit: number, options: SpacelogErrorOptions = {}) {
    super(`frame of ${size} bytes is over the limit of ${limit} bytes`, 'FRAME_TOO_LARGE', false, options);
    this.name = 'FrameTooLargeError';
    this.size = size;
    this.limit = limit;
  }
}

/** The remote client was closed; operations after `close()` fail with this. */
export class ClientClosedError extends SpacelogError {
  constructor(options: SpacelogErrorOptions = {}) {
    super('the remote space client is closed', 'CLIENT_CLOSED', false, options);
    this.name = 'ClientClosedError';
  }
}

/** A retriable operation kept failing until its deadline; `cause` is the last failure. */
export class RetriesExhaustedError extends SpacelogError {
  readonly attempts: number;
  constructor(attempts: number, cause: unknown, options: SpacelogErrorOptions = {}) {
    const last = cause instanceof Error ? cause.message : String(cause);
    super(`gave up after ${attempts} attempts: ${last}`, 'RETRIES_EXHAUSTED', false, { ...options, cause });
    this.name = 'RetriesExhaustedError';
    this.attempts = attempts;
  }
}

/** The operation exists in process but not (yet) through this client, e.g. transactions over the network. */
export class UnsupportedOperationError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'UNSUPPORTED_OPERATION', false, options);
    this.name = 'UnsupportedOperationError';
  }
}

/**
 * A readMultiple / takeMultiple answer would be over the server's `maxResultEntries` or
 * `maxResultBytes`; `limitName` says which. Nothing was taken: ask with a smaller `limit` or a
 * narrower selector.
 */
export class ResultTooLargeError extends SpacelogError {
  readonly limitName: 'maxResultEntries' | 'maxResultBytes';
  readonly limit: number;
  constructor(
    limitName: 'maxResultEntries' | 'maxResultBytes',
    limit: number,
    options: SpacelogErrorOptions = {},
  ) {
    const unit = limitName === 'maxResultEntries' ? 'entries' : 'bytes';
    super(`result is over the server's ${limitName} of ${limit} ${unit}`, 'RESULT_TOO_LARGE', false, options);
    this.name = 'ResultTooLargeError';
    this.limitName = limitName;
    this.limit = limit;
  }
}

/**
 * The server ended a subscription because its client read events too slowly: more than `limit`
 * bytes were waiting in the connection's send buffer. Events after it were not delivered.
 */
export class SubscriptionOverflowError extends SpacelogError {
  readonly limit: number;
  constructor(limit: number, options: SpacelogErrorOptions = {}) {
    super(
      `subscription ended: over ${limit} bytes of events were waiting for this client to read them`,
      'SUBSCRIPTION_OVERFLOW',
      false,
      options,
    );
    this.name = 'SubscriptionOverflowError';
    this.limit = limit;
  }
}

/** The server holds its `maxConnections` connections and refused this one; try again later. */
export class ConnectionLimitError extends SpacelogError {
  readonly limit: number;
  constructor(limit: number, options: SpacelogErrorOptions = {}) {
    super(
      `server refused the connection: it holds its maximum of ${limit}`,
      'CONNECTION_LIMIT',
      true,
      options,
    );
    this.name = 'ConnectionLimitError';
    this.limit = limit;
  }
}

/**
 * The server closed a connection that was silent too long: `kind` 'idle' (no request, answer or
 * subscription for `timeoutMs`) or 'partial-frame' (a frame begun and not finished within `timeoutMs`).
 */
export class ConnectionTimeoutError extends SpacelogError {
  readonly kind: 'idle' | 'partial-frame';
  readonly timeoutMs: number;
  constructor(kind: 'idle' | 'partial-frame', timeoutMs: number, options: SpacelogErrorOptions = {}) {
    const what = kind === 'idle' ? 'idle for' : 'a partial frame for';
    super(`server closed the connection: ${what} ${timeoutMs} ms`, 'CONNECTION_TIMEOUT', true, options);
    this.name = 'ConnectionTimeoutError';
    this.kind = kind;
    this.timeoutMs = timeoutMs;
  }
}
