import { isIP } from 'node:net';

/**
 * True for a host only this machine can reach: `localhost`, 127.0.0.0/8, `::1` (also written in
 * full, in brackets, or as an IPv4-mapped address). Credentials sent to it never cross a network.
 * @internal
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/gu, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (bare.startsWith('::ffff:') && isIP(bare.slice(7)) === 4) return bare.slice(7).startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

/** The same for a `host:port` (or a bare host): `[::1]:9092`, `localhost:9092`, `127.0.0.1`. @internal */
export function isLoopbackAddress(hostPort: string): boolean {
  const bracketed = /^\[([^\]]+)\]/u.exec(hostPort);
  // IPv6 without brackets has several colons and no port.
  const colons = hostPort.split(':').length - 1;
  const host = bracketed?.[1] ?? (colons === 1 ? hostPort.slice(0, hostPort.indexOf(':')) : hostPort);
  return isLoopbackHost(host);
}
