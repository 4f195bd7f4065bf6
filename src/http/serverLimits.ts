import type { IncomingMessage, Server } from 'node:http';
import { isLoopbackHost } from '../config/loopback';

/** Most open connections of an operations endpoint or console (scrapers, pages, event streams). */
export const MAX_HTTP_CONNECTIONS = 256;
/** How long a client may take to send a request's headers, and the whole request. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Bounds what a peer can hold on a node:http server: connections (past the bound they are closed at
 * once), and the time to send a request (a peer dribbling headers is cut after 10 s instead of
 * Node's 60). Responses, event streams among them, are not bounded in time.
 * @internal
 */
export function limitHttpServer(server: Server): void {
  server.maxConnections = MAX_HTTP_CONNECTIONS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
}

/**
 * True when a request to a server bound to `boundHost` names a host it may answer. A server on a
 * loopback address that asks no credentials answers only requests naming a loopback host (or the
 * bound one): a web page whose domain an attacker re-points at 127.0.0.1 (DNS rebinding) sends its
 * own name, and is refused. Servers on other addresses answer any name.
 * @internal
 */
export function hostAllowed(request: IncomingMessage, boundHost: string): boolean {
  if (!isLoopbackHost(boundHost)) return true;
  const header = request.headers.host;
  if (header === undefined) return true; // HTTP/1.0: no name to re-point
  const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0]!;
  return isLoopbackHost(name) || name.toLowerCase() === boundHost.toLowerCase();
}
