import type { Socket } from 'node:net';
import { ConnectionTimeoutError } from '../../errors';
import { errorFields, LOG_EVENT } from './logEvents';
import type { SpacelogLogger } from './SpacelogLogger';

/** Logs why the wire server refused or closed one connection. */
export type ConnectionRefusalLog = (socket: Socket, reason: unknown) => void;

/**
 * One `connection-refused` record per connection the server refuses or closes with a reason: a
 * failed authentication, a missing client certificate, a plain client of a TLS server, the
 * connection limit, a frame that breaks the protocol or outgrows the limits, a partial frame held
 * too long (warnings, with the peer's address and the error's code); an idle connection closed
 * (debug: clients reconnect, nothing is wrong).
 */
export function connectionRefusals(logger: SpacelogLogger): ConnectionRefusalLog {
  return (socket, reason) => {
    const idle = reason instanceof ConnectionTimeoutError && reason.kind === 'idle';
    const fields = {
      event: LOG_EVENT.connectionRefused,
      remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
      ...errorFields(reason),
    };
    if (idle) logger.debug(fields, 'idle connection closed');
    else logger.warn(fields, 'connection refused');
  };
}
