import type { Socket } from 'node:net';
import { Server as TlsServer, type TLSSocket, type TlsOptions } from 'node:tls';

/** The first byte of a TLS handshake record (a ClientHello); a Spacelog frame starts with 0x00. */
const TLS_HANDSHAKE = 0x16;

/**
 * Turns accepted TCP sockets into TLS connections. The first byte tells a TLS client (a handshake
 * record) from a plain Spacelog client (a frame length, whose first byte is 0 under 16 MiB): the plain
 * one is handed to `plain` to be told, in a frame it can read, that TLS is required, instead of being
 * cut with a reset it would retry. A peer that sends nothing, or does not finish its handshake, within
 * `timeoutMs` is closed. `open` counts the sockets taken and not yet closed — handshakes under way as
 * well as established connections — so a server can bound them together.
 * @internal
 */
export class TlsListener {
  private readonly server: TlsServer;
  private sockets = 0;

  constructor(
    options: TlsOptions,
    private readonly timeoutMs: number,
    secure: (socket: TLSSocket) => void,
    private readonly plain: (socket: Socket) => void,
  ) {
    this.server = new TlsServer({ ...options, handshakeTimeout: timeoutMs });
    this.server.on('secureConnection', secure);
    // A failed handshake (unknown client CA, no certificate when one is required) ends that socket only.
    this.server.on('tlsClientError', (_error, socket) => socket.destroy());
  }

  /** Sockets taken and not closed yet: in their handshake, refused as plain, or connected. */
  get open(): number {
    return this.sockets;
  }

  take(socket: Socket): void {
    this.sockets += 1;
    socket.once('close', () => (this.sockets -= 1));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => socket.destroy(), this.timeoutMs);
    timer.unref();
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE) this.server.emit('connection', socket);
      else this.plain(socket);
    });
  }
}
