import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost } from '../config/loopback';
import { InsecureBindError } from '../errors';
import { hostAllowed, limitHttpServer } from '../http/serverLimits';
import type { ConsoleRequestHandler } from './ConsoleHandler';

/** Interface `spacelog console` binds by default: the console is for this machine unless asked. */
export const DEFAULT_CONSOLE_HOST = '127.0.0.1';

/** Port `spacelog console` listens on by default. */
export const DEFAULT_CONSOLE_PORT = 7480;

/** A console served by a node:http server of its own. */
export interface ConsoleServer {
  /** e.g. `http://127.0.0.1:7480/`. */
  readonly url: string;
  /** Stops listening and ends open pages and event streams. Idempotent. */
  close(): Promise<void>;
}

/** Serves `handler` on `host:port` (port 0: a free one); anything it does not handle is a 404. */
export async function startConsoleServer(options: {
  readonly handler: ConsoleRequestHandler;
  readonly host?: string;
  readonly port?: number;
  /**
   * Serve on an address other machines reach. The console has no TLS and asks no credentials while
   * it shows entries read with the operator's: refused (InsecureBindError) unless this says so.
   */
  readonly insecure?: boolean;
}): Promise<ConsoleServer> {
  const host = options.host ?? DEFAULT_CONSOLE_HOST;
  if (!isLoopbackHost(host) && options.insecure !== true) throw new InsecureBindError(host);
  const server: Server = createServer((req, res) => {
    if (!hostAllowed(req, host)) {
      res
        .writeHead(421, { 'content-type': 'text/plain' })
        .end('this console answers requests to localhost only\n');
      return;
    }
    options.handler(req, res).then(
      (handled) => {
        if (!handled && !res.headersSent)
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      },
      () => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      },
    );
  });
  limitHttpServer(server);
  server.listen(options.port ?? DEFAULT_CONSOLE_PORT, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${port}/`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Event streams never end on their own.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
