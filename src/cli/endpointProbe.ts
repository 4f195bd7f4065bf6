import net from 'node:net';

/** How long a one-shot command waits for a TCP connect before it calls an endpoint unreachable. */
export const DEFAULT_PROBE_TIMEOUT_MS = 2_000;

/** A `host:port` endpoint, the host without IPv6 brackets. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `127.0.0.1:9092` or `[::1]:9092` as host and port; undefined when it is not host:port. */
export function parseHostPort(endpoint: string): HostPort | undefined {
  const at = endpoint.lastIndexOf(':');
  const port = Number(endpoint.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const host = endpoint.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return host === '' ? undefined : { host, port };
}

/**
 * The host and port of a PostgreSQL URL (port 5432 when absent); undefined for what a TCP probe
 * cannot check (a Unix socket, a keyword connection string), which is then left to the driver.
 */
export function databaseHostPort(url: string): HostPort | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return undefined;
  if (parsed.hostname === '' || parsed.searchParams.has('host')) return undefined;
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 5432 : Number(parsed.port),
  };
}

/**
 * Opens and closes one TCP connection. Resolves undefined when it connects, else the reason as a
 * short code: the socket error's (`ECONNREFUSED`, `ENOTFOUND`, `EHOSTUNREACH`) or `ETIMEDOUT` when
 * nothing answered within `timeoutMs` (a filtered port or a host that is down).
 */
export function probeTcp(
  endpoint: HostPort,
  timeoutMs = DEFAULT_PROBE_TIMEOUT_MS,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    const finish = (failure: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(failure);
    };
    const timer = setTimeout(() => finish('ETIMEDOUT'), timeoutMs);
    socket.once('connect', () => finish(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
  });
}
