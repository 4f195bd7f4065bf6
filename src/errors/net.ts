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
