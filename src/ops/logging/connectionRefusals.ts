import type { Socket } from 'node:net';
import { ConnectionTimeoutError } from '../../errors';
import { errorFields, LOG_EVENT } from './logEvents';
import { RecordRate, type RecordRateOptions } from '../rate/RecordRate';
import type { SpacelogLogger } from './SpacelogLogger';

/** Logs why the wire server refused or closed one connection. */
export type ConnectionRefusalLog = (socket: Socket, reason: unknown) => void;

/**
 * One `connection-refused` record per connection the server refuses or closes with a reason: a
 * failed authentication, a missing client certificate, a plain client of a TLS server, the
 * connection limit, a frame that breaks the protocol or outgrows the limits, a partial frame held
 * too long (warnings, with the peer's address and the error's code); an idle connection closed
 * (debug: clients reconnect, nothing is wrong). The warnings are rate-bounded ({@link RecordRate}: 20
 * per 10 s by default); the next one written carries how many were left out (`suppressed`).
 */
export function connectionRefusals(
  logger: SpacelogLogger,
  rate: RecordRateOptions = {},
): ConnectionRefusalLog {
  const warnings = new RecordRate(rate);
  return (socket, reason) => {
    const idle = reason instanceof ConnectionTimeoutError && reason.kind === 'idle';
    if (idle) {
      logger.debug(refusalFields(socket, reason), 'idle connection closed');
      return;
    }
    const { write, suppressed } = warnings.take();
    if (!write) return;
    logger.warn(
      { ...refusalFields(socket, reason), ...(suppressed && { suppressed }) },
      'connection refused',
    );
  };
}

function refusalFields(socket: Socket, reason: unknown): Record<string, unknown> {
  return {
    event: LOG_EVENT.connectionRefused,
    remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
    ...errorFields(reason),
  };
}
