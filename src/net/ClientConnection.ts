import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import {
  AuthenticationError,
  ConnectionLimitError,
  ConnectionLostError,
  ConnectionTimeoutError,
  InvalidArgumentError,
  OperationAbortedError,
  RequestTimeoutError,
  type SpacelogError,
} from '../errors';
import { fromWireError } from './errorCodec';
import { tlsFailureOf, tlsOptionsFor, type ClientSecurity } from './security/ClientSecurity';
import { encodeAuthArgs } from './security/handshake';
import { CLIENT_RECEIVES, encodeFrame, FrameDecoder, type Frame } from './FrameCodec';
import {
  ANY_PARTITION,
  FRAME_KIND,
  GOODBYE_ID,
  type EndFrame,
  type EventFrame,
  type RequestFrame,
  type ResponseFrame,
} from './protocol';

/** How a client connection is opened. @internal */
export interface ClientConnectionOptions {
  readonly endpoint: string;
  readonly connectTimeoutMs: number;
  readonly maxFrameBytes: number;
  /** Every event frame received (subscriptions). */
  readonly onEvent: (event: EventFrame) => void;
  /** A subscription the server ended (End frame), e.g. for SubscriptionOverflowError. */
  readonly onEnd?: (end: EndFrame) => void;
  /** Called once when the connection is gone (error, server close, or close()). */
  readonly onClose: (connection: ClientConnection) => void;
  /** TLS and the AUTH first request (docs/security.md); absent: plain TCP, no AUTH. */
  readonly security?: ClientSecurity;
}

/** Per-call controls of a request. @internal */
export interface RequestControls {
  /** Client-side limit for the answer, ms. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /**
   * Set for a request that removes entries and returns them (TAKE, TAKE_MULTIPLE): when it times out
   * or is aborted, the cancel is sent and the server's answer to it is awaited up to this many ms
   * (see `request`). Absent: the request rejects at once and a later answer is dropped.
   */
  readonly cancelGraceMs?: number;
}

interface Pending {
  readonly resolve: (response: ResponseFrame) => void;
  readonly reject: (error: SpacelogError) => void;
  readonly cleanUp: () => void;
}

/**
 * One TCP connection to a Spacelog server, shared by every operation to that endpoint: requests are
 * pipelined with ids and answered in any order. When the socket's buffer is full (`write` returned
 * false), new frames wait in an outbox until 'drain' instead of piling up in the socket. A timeout
 * or an abort sends a cancel frame so the server stops waiting too; a take then waits a grace for the
 * server's answer to the cancel, which may carry what it took (see `request`).
 * @internal
 */
export class ClientConnection {
  private readonly pending = new Map<number, Pending>();
  private readonly outbox: { readonly frame: Buffer; readonly id: number | undefined }[] = [];
  private readonly decoder: FrameDecoder;
  private nextId = 1;
  private blocked = false;
  private corked = false;
  private closedWith: SpacelogError | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly options: ClientConnectionOptions,
  ) {
    this.decoder = new FrameDecoder(options.maxFrameBytes, CLIENT_RECEIVES);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.flush());
    socket.on('error', (error) =>
      // A server that refuses our certificate after the handshake (TLS 1.3) says so in an alert.
      this.fail(
        tlsFailureOf(error, options.endpoint) ?? this.lost(`connection error: ${error.message}`, true, error),
      ),
    );
    socket.on('close', () => this.fail(this.lost('connection closed by the server', true)));
  }

  /**
   * Opens a connection (TLS when `security.tls`) and, with credentials, authenticates it with AUTH
   * before anything else is sent. Rejects with ConnectionLostError (requestSent = false), or with the
   * non-retriable AuthenticationError / ProtocolError of a TLS or AUTH failure.
   */
  static async open(options: ClientConnectionOptions): Promise<ClientConnection> {
    const socket = await ClientConnection.connectSocket(options);
    const connection = new ClientConnection(socket, options);
    const auth = options.security?.auth;
    if (auth === undefined) return connection;
    try {
      await connection.request(
        {
          partition: ANY_PARTITION,
          op: 'AUTH',
          type: '',
          args: encodeAuthArgs(auth),
          entry: null,
          deadline: 0,
        },
        { timeoutMs: options.connectTimeoutMs },
      );
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  private static connectSocket(options: ClientConnectionOptions): Promise<Socket> {
    const { host, port } = parseEndpoint(options.endpoint);
    const tls = options.security?.tls;
    return new Promise((resolve, reject) => {
      const socket = tls === undefined ? connect({ host, port }) : connectTls(tlsOptionsFor(tls, host, port));
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new ConnectionLostError(
            `cannot connect to ${options.endpoint}: timed out`,
            options.endpoint,
            false,
          ),
        );
      }, options.connectTimeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(
          tlsFailureOf(error, options.endpoint) ??
            new ConnectionLostError(
              `cannot connect to ${options.endpoint}: ${error.message}`,
              options.endpoint,
              false,
              {
                cause: error,
              },
            ),
        );
      });
      socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
    });
  }

  get endpoint(): string {
    return this.options.endpoint;
  }

  /** True once the connection is unusable; a new one must be opened. */
  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Requests waiting for an answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends one request and resolves with its response; a response carrying an error rejects with
   * the server's typed error. Returns the request id through `onId` (subscriptions key on it).
   *
   * A timeout or an abort sends a cancel frame. Without `cancelGraceMs` the request then rejects at
   * once (RequestTimeoutError / OperationAbortedError) and its answer, if one still comes, is dropped:
   * right for anything whose answer can be lost without losing data. A take cannot: the server may
   * already have committed it (a write claimed it, or it matched, before the cancel arrived; the
   * engine then finishes it whatever the cancel says), and dropping that answer would remove the
   * entry for everyone. So with `cancelGraceMs` the request keeps waiting for the server's answer to
   * the cancel, for at most that long: when it carries entries, the request RESOLVES with them (an
   * aborted or timed-out take may still return what the server took, as an in-process take claimed
   * before its abort does); otherwise (nothing taken, the cancel's own "aborted", or the append's
   * error) it rejects with the timeout or abort error, the server's error as its cause. When no
   * answer comes within the grace, or the connection drops meanwhile, it rejects the same way and
   * the outcome is unknown: at most once, as after a client crash.
   */
  request(
    body: Omit<RequestFrame, 'id'>,
    controls: RequestControls,
    onId?: (id: number) => void,
  ): Promise<ResponseFrame> {
    if (this.closedWith) return Promise.reject(this.lost('connection is closed', false));
    if (controls.signal?.aborted) return Promise.reject(new OperationAbortedError({ type: body.type }));
    const id = this.nextId++;
    onId?.(id);
    return new Promise<ResponseFrame>((resolve, reject) => {
      const { signal, cancelGraceMs } = controls;
      const context = { type: body.type };
      const giveUp = (failure: GiveUp): void => {
        if (cancelGraceMs === undefined) {
          this.cancel(id);
          reject(failure());
        } else {
          cleanUp();
          this.cancelAndHear(id, failure, cancelGraceMs, resolve, reject);
        }
      };
      // No timer for waits beyond what setTimeout can count (an Infinity timeout): the signal ends them.
      const timer =
        controls.timeoutMs <= MAX_TIMER_MS
          ? setTimeout(
              () => giveUp((cause) => new RequestTimeoutError(controls.timeoutMs, { ...context, cause })),
              controls.timeoutMs,
            )
          : undefined;
      const onAbort = (): void => giveUp((cause) => new OperationAbortedError({ ...context, cause }));
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanUp = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, {
        resolve: (response) => {
          cleanUp();
          if (response.error === null) resolve(response);
          else reject(fromWireError(response.error));
        },
        reject: (error) => {
          cleanUp();
          reject(error);
        },
        cleanUp,
      });
      this.send(encodeFrame(FRAME_KIND.request, { ...body, id }), id);
    });
  }

  /** Closes the socket; pending requests fail with ConnectionLostError. Idempotent. */
  close(): void {
    if (this.closedWith) return;
    this.fail(this.lost('connection closed by the client', true));
    this.socket.destroy();
  }

  private cancel(id: number): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    pending.cleanUp();
    this.pending.delete(id);
    if (!this.closedWith) this.send(encodeFrame(FRAME_KIND.cancel, { id }));
  }

  /**
   * Cancels request `id` and waits up to `graceMs` for the server's answer (see `request`): entries
   * taken resolve the request; anything else, the grace passing or the connection dropping rejects
   * it with `failure`, the server's answer as its cause.
   */
  private cancelAndHear(
    id: number,
    failure: GiveUp,
    graceMs: number,
    resolve: (response: ResponseFrame) => void,
    reject: (error: SpacelogError) => void,
  ): void {
    if (!this.pending.has(id)) return;
    const grace = setTimeout(() => {
      if (this.pending.get(id) !== hearing) return;
      this.pending.delete(id);
      reject(failure());
    }, graceMs);
    const hearing: Pending = {
      resolve: (response) => {
        clearTimeout(grace);
        if (response.error === null && response.entries.length > 0) resolve(response);
        else reject(failure(response.error === null ? undefined : fromWireError(response.error)));
      },
      reject: (error) => {
        clearTimeout(grace);
        reject(failure(error));
      },
      cleanUp: () => clearTimeout(grace),
    };
    this.pending.set(id, hearing);
    if (!this.closedWith) this.send(encodeFrame(FRAME_KIND.cancel, { id }));
  }

  private send(frame: Buffer, id?: number): void {
    if (this.blocked) {
      this.outbox.push({ frame, id });
      return;
    }
    if (!this.corked) {
      // Frames issued in one tick leave in one syscall.
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    if (!this.socket.write(frame)) this.blocked = true;
  }

  private flush(): void {
    this.blocked = false;
    while (this.outbox.length > 0 && !this.blocked) {
      const next = this.outbox.shift()!;
      this.send(next.frame, next.id);
    }
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.fail(this.lost(`bad data from the server: ${String(error)}`, true, error));
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (frame.kind === FRAME_KIND.response && frame.body.id === GOODBYE_ID && frame.body.error) {
        this.goodbye(fromWireError(frame.body.error));
        return;
      }
      if (frame.kind === FRAME_KIND.response) {
        const pending = this.pending.get(frame.body.id);
        // An answer to a request already timed out or aborted is dropped.
        if (!pending) continue;
        this.pending.delete(frame.body.id);
        pending.resolve(frame.body);
      } else if (frame.kind === FRAME_KIND.event) {
        this.options.onEvent(frame.body);
      } else if (frame.kind === FRAME_KIND.end) {
        this.options.onEnd?.(frame.body);
      }
    }
  }

  /**
   * The server closed the connection and said why. After refusing the connection or closing it as
   * idle it ran nothing unanswered, so those requests may be retried whatever they were.
   */
  private goodbye(reason: SpacelogError): void {
    if (reason instanceof AuthenticationError) {
      // Not a lost connection to retry: the same credentials would be refused again.
      this.fail(reason);
      this.socket.destroy();
      return;
    }
    const ranNothing =
      reason instanceof ConnectionLimitError ||
      (reason instanceof ConnectionTimeoutError && reason.kind === 'idle');
    this.fail(this.lost(`server closed the connection: ${reason.message}`, !ranNothing, reason));
    this.socket.destroy();
  }

  private fail(error: SpacelogError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    const pending = [...this.pending];
    this.pending.clear();
    // Requests still in the outbox never reached the socket: safe to retry whatever they were.
    const unsent = new Set(this.outbox.map((item) => item.id));
    this.outbox.length = 0;
    for (const [id, p] of pending) p.reject(unsent.has(id) ? this.lost(error.message, false) : error);
    this.options.onClose(this);
  }

  private lost(message: string, requestSent: boolean, cause?: unknown): ConnectionLostError {
    return new ConnectionLostError(
      `${this.options.endpoint}: ${message}`,
      this.options.endpoint,
      requestSent,
      {
        ...(cause !== undefined ? { cause } : {}),
      },
    );
  }
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Builds the error a request gives up with (timeout or abort), with what the server said as its cause. */
type GiveUp = (cause?: unknown) => SpacelogError;

/** Splits `host:port` (IPv6 as `[::1]:7400`). @internal */
export function parseEndpoint(endpoint: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(endpoint.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || !match[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`'${endpoint}' is not a host:port endpoint`);
  }
  return { host: match[1], port };
}
