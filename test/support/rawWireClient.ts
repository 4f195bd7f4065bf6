import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { CLIENT_RECEIVES, encodeFrame, FrameDecoder, type Frame } from '../../src/net/FrameCodec';
import { FRAME_KIND, GOODBYE_ID, type RequestFrame, type WireError } from '../../src/net/protocol';

/**
 * A bare protocol client for tests that play a careless or hostile peer: it sends whatever bytes or
 * frames it is told, keeps every frame it receives (decoding stops at the first frame it cannot
 * decode, which is then recorded as `undecodable`), and tells when the server closed it.
 */
export class RawWireClient {
  readonly frames: Frame[] = [];
  /** Why decoding what the server sent failed, if it did (a server bug). */
  undecodable: string | undefined;
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly decoder = new FrameDecoder(undefined, CLIENT_RECEIVES);

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.undecodable !== undefined) return;
      try {
        this.frames.push(...this.decoder.push(chunk));
      } catch (error) {
        this.undecodable = String(error);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  /** Connects; rejects when the connection is refused. */
  static open(endpoint: string): Promise<RawWireClient> {
    const [host, port] = endpoint.split(':');
    return new Promise((resolve, reject) => {
      const socket = connect({ host: host!, port: Number(port) });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawWireClient(socket));
      });
    });
  }

  /** Connects over TLS (security tests); rejects when the handshake fails. */
  static openTls(endpoint: string, tls: ConnectionOptions): Promise<RawWireClient> {
    const [host, port] = endpoint.split(':');
    return new Promise((resolve, reject) => {
      const socket = connectTls({ ...tls, host: host!, port: Number(port) });
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        resolve(new RawWireClient(socket));
      });
    });
  }

  /** Sends a request frame; unset fields are those of a PING to any partition. */
  send(request: Partial<RequestFrame> & { id: number; op: RequestFrame['op'] }): boolean {
    return this.socket.write(
      encodeFrame(FRAME_KIND.request, {
        partition: -1,
        type: 'Order',
        args: Buffer.alloc(0),
        entry: null,
        deadline: 0,
        ...request,
      }),
    );
  }

  /** Sends raw bytes. */
  write(bytes: Buffer): boolean {
    return this.socket.write(bytes);
  }

  /** The errors of the responses with this id, in order (null: a success). */
  answers(id: number): (WireError | null)[] {
    return this.frames.flatMap((f) =>
      f.kind === FRAME_KIND.response && f.body.id === id ? [f.body.error] : [],
    );
  }

  /** Every error the server sent: in responses (the goodbye included) and in subscription End frames. */
  errors(): WireError[] {
    return this.frames.flatMap((f) =>
      f.kind === FRAME_KIND.response && f.body.error !== null
        ? [f.body.error]
        : f.kind === FRAME_KIND.end
          ? [f.body.error]
          : [],
    );
  }

  /** The reason the server gave for closing the connection, if it said goodbye. */
  goodbye(): WireError | undefined {
    return this.answers(GOODBYE_ID)[0] ?? undefined;
  }

  /** Waits for the `n`th answer to `id`; rejects after `timeoutMs`. */
  async answer(id: number, n = 1, timeoutMs = 10_000): Promise<WireError | null> {
    await waitUntil(() => this.answers(id).length >= n, timeoutMs, `answer ${n} to request ${id}`);
    return this.answers(id)[n - 1]!;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Polls `check` every 10 ms; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
