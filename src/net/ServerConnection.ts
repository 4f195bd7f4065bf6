import type { Socket } from 'node:net';
import {
  AuthenticationBusyError,
  AuthenticationError,
  ConnectionTimeoutError,
  OperationAbortedError,
  ProtocolError,
  SpaceClosedError,
  SubscriptionOverflowError,
} from '../errors';
import { toWireError } from './errorCodec';
import { encodeFrame, FrameDecoder, SERVER_RECEIVES, type Frame } from './FrameCodec';
import {
  FRAME_KIND,
  GOODBYE_ID,
  PRE_AUTH_MAX_FRAME_BYTES,
  type EventFrame,
  type RequestFrame,
  type ResponseFrame,
} from './protocol';
import type { RequestHandler } from './RequestHandler';
import type { ConnectionGuard } from './security/ConnectionGuard';
import { toWireJson } from './wireJson';

/** Limits of one served connection (see SpaceServerOptions for each). @internal */
export interface ServerConnectionLimits {
  readonly maxInFlight: number;
  readonly maxFrameBytes: number;
  readonly frameTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxSubscriberBufferBytes: number;
  /** How long a failed AUTH waits before its goodbye (security on). */
  readonly authFailureDelayMs?: number;
}

/**
 * One client connection on the server: decodes frames, runs requests concurrently (pipelining;
 * answers go out as they finish, in any order), cancels on request, pushes subscription events.
 *
 * Bounds: at most `maxInFlight` requests run at once (counted by live requests); decoded requests
 * past it wait in a queue and reading pauses until it is empty, so the queue holds at most one read
 * chunk. Reading also pauses while the socket's write buffer is over its high-water mark. A request
 * id already running (or naming a live subscription) is answered with a ProtocolError under that id
 * and the running one goes on. A subscription whose events pile up past `maxSubscriberBufferBytes`
 * in the send buffer is ended with an End frame (SubscriptionOverflowError). Bad framing, a partial
 * frame older than `frameTimeoutMs` and an idle connection get a goodbye (a response with id 0
 * carrying the typed reason) and are closed.
 * @internal
 */
export class ServerConnection {
  private readonly decoder: FrameDecoder;
  private readonly inFlight = new Map<number, AbortController>();
  private readonly queued: RequestFrame[] = [];
  private readonly subscriptions = new Map<number, () => void>();
  private corked = false;
  private closed = false;
  private closing = false;
  private saidGoodbye = false;
  private idle: (() => void) | undefined;
  /** performance.now() of the last byte received or answer sent. */
  private lastActivity = performance.now();
  /** performance.now() when the frame being collected began (its first byte arrived). */
  private frameStartedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;

  constructor(
    private readonly socket: Socket,
    private readonly handler: RequestHandler,
    private readonly limits: ServerConnectionLimits,
    private readonly onClosed: (connection: ServerConnection) => void,
    /** Authentication and authorization of this connection; absent when the server has no security. */
    private readonly guard?: ConnectionGuard,
    /** Told why the connection is closed with a goodbye (logged by the server). */
    private readonly onGoodbye?: (socket: Socket, reason: unknown) => void,
  ) {
    // Until it authenticates, a peer may send only small frames (an AUTH is a few hundred bytes).
    const preAuth = guard !== undefined && !guard.authenticated;
    this.decoder = new FrameDecoder(
      preAuth ? Math.min(PRE_AUTH_MAX_FRAME_BYTES, limits.maxFrameBytes) : limits.maxFrameBytes,
      SERVER_RECEIVES,
    );
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', () => undefined); // 'close' follows and cleans up
    socket.on('close', () => this.cleanUp());
    this.armTimer();
  }

  /**
   * Graceful end: refuse new requests and abort blocking waits (both answer SpaceClosedError, which
   * clients retry after reconnecting), let the other running requests answer, then close the
   * socket. Forced after `graceMs`. Reading goes on meanwhile, so the peer's FIN is seen.
   */
  async close(graceMs: number): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.socket.resume();
    for (const request of this.queued.splice(0))
      this.refuse(request, new SpaceClosedError('server is closing'));
    for (const controller of this.inFlight.values())
      controller.abort(new SpaceClosedError('server is closing'));
    if (this.inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await new Promise<void>((resolve) => {
      if (this.closed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), graceMs).unref();
    });
  }

  private onData(chunk: Buffer): void {
    if (this.saidGoodbye) return;
    const wasEmpty = this.decoder.buffered === 0;
    this.lastActivity = performance.now();
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      // A peer that breaks framing cannot be answered reliably: say why, and close.
      this.goodbye(error);
      return;
    }
    // A frame that completes and another that begins in one chunk: the new one's clock starts now.
    if (this.decoder.buffered > 0 && (wasEmpty || frames.length > 0)) this.frameStartedAt = this.lastActivity;
    for (const frame of frames) {
      if (frame.kind === FRAME_KIND.request) this.queued.push(frame.body);
      else if (frame.kind === FRAME_KIND.cancel) this.cancel(frame.body.id);
      // Responses, events and ends are never sent to a server; ignore them.
    }
    this.pump();
    this.armTimer();
  }

  /** Starts queued requests while fewer than maxInFlight run; pauses reading while any wait. */
  private pump(): void {
    while (this.queued.length > 0 && this.inFlight.size < this.limits.maxInFlight) {
      // Nothing runs behind an AUTH until it is decided: it may end the connection.
      if (this.guard?.authenticating) break;
      this.start(this.queued.shift()!);
    }
    if (this.queued.length > 0 && !this.closing) this.socket.pause();
  }

  private cancel(id: number): void {
    const running = this.inFlight.get(id);
    if (running !== undefined) {
      running.abort(new OperationAbortedError());
      return;
    }
    // Cancelled before it started: it still gets its one answer.
    const at = this.queued.findIndex((request) => request.id === id);
    if (at >= 0) this.refuse(this.queued.splice(at, 1)[0]!, new OperationAbortedError());
  }

  private start(request: RequestFrame): void {
    if (this.closing) {
      this.refuse(request, new SpaceClosedError('server is closing'));
      return;
    }
    if (request.id === GOODBYE_ID || this.inFlight.has(request.id) || this.subscriptions.has(request.id)) {
      // Not counted as in flight and not run: a reused id would hide the request it shadows.
      this.refuse(request, new ProtocolError(`request id ${request.id} is in use on this connection`));
      return;
    }
    if (this.guard !== undefined) {
      const verdict = this.guard.check(request);
      if (verdict === 'authenticate') return this.authenticate(request, this.guard);
      if (verdict instanceof AuthenticationError) return this.goodbye(verdict);
      if (verdict !== undefined) return this.refuse(request, verdict);
    }
    const controller = new AbortController();
    this.inFlight.set(request.id, controller);
    const scope = {
      signal: controller.signal,
      receivedAt: performance.now(),
      pushEvent: (event: EventFrame) => this.pushEvent(event),
      addSubscription: (id: number, stop: () => void) => {
        if (this.closed || this.saidGoodbye) stop();
        else this.subscriptions.set(id, stop);
      },
      removeSubscription: (id: number) => {
        this.subscriptions.get(id)?.();
        this.subscriptions.delete(id);
        this.armTimer();
      },
    };
    this.handler.handle(request, scope).then(
      (answer) => this.finish(request.id, { id: request.id, ...answer, error: null }),
      (error: unknown) => {
        // An abort ends only a wait, which then rejects with OperationAbortedError: that is answered
        // with the abort's reason (SpaceClosedError when the server closes, so the client retries).
        // Any other failure is the request's real outcome, answered as it is: a take a write claimed
        // before the cancel came fails only with its append's error (issue 16), and saying "aborted"
        // instead would hide that the write failed too.
        const aborted = controller.signal.aborted && error instanceof OperationAbortedError;
        const reason: unknown = aborted ? (controller.signal.reason ?? error) : error;
        this.finish(request.id, { id: request.id, entries: [], result: EMPTY, error: toWireError(reason) });
      },
    );
  }

  /**
   * Runs an AUTH first request. Success answers it with the principal's name; a failure waits
   * `authFailureDelayMs` (so guessing costs the guesser time) and closes the connection with the
   * AuthenticationError: one attempt per connection.
   */
  private authenticate(request: RequestFrame, guard: ConnectionGuard): void {
    const controller = new AbortController();
    this.inFlight.set(request.id, controller);
    guard.authenticate(request, controller.signal).then(
      (principal) => {
        this.decoder.allow(this.limits.maxFrameBytes);
        this.finish(request.id, {
          id: request.id,
          entries: [],
          result: toWireJson({ principal }),
          error: null,
        });
      },
      (error: unknown) => {
        const reason =
          error instanceof AuthenticationError || error instanceof AuthenticationBusyError
            ? error
            : new AuthenticationError(
                error instanceof ProtocolError ? error.message : 'authentication failed',
              );
        setTimeout(() => {
          this.inFlight.delete(request.id);
          this.goodbye(reason);
        }, this.limits.authFailureDelayMs ?? 0).unref();
      },
    );
  }

  private refuse(request: RequestFrame, error: unknown): void {
    this.send(
      encodeFrame(FRAME_KIND.response, {
        id: request.id,
        entries: [],
        result: EMPTY,
        error: toWireError(error),
      }),
    );
  }

  /** Sends an event, or ends its subscription when the client has stopped reading. */
  private pushEvent(event: EventFrame): void {
    const limit = this.limits.maxSubscriberBufferBytes;
    if (this.socket.writableLength > limit && this.subscriptions.has(event.subscription)) {
      this.subscriptions.get(event.subscription)?.();
      this.subscriptions.delete(event.subscription);
      const error = toWireError(new SubscriptionOverflowError(limit, { type: event.type }));
      this.send(encodeFrame(FRAME_KIND.end, { subscription: event.subscription, error }));
      this.armTimer();
      return;
    }
    this.send(encodeFrame(FRAME_KIND.event, event));
  }

  private finish(id: number, response: ResponseFrame): void {
    this.inFlight.delete(id);
    this.lastActivity = performance.now();
    this.send(encodeFrame(FRAME_KIND.response, response));
    if (this.inFlight.size === 0) this.idle?.();
    this.pump();
    this.maybeResume();
    this.armTimer();
  }

  /** Writes a frame; frames of one tick go out in one syscall (cork until the next tick). */
  private send(frame: Buffer): void {
    if (this.closed || this.saidGoodbye) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    if (!this.socket.write(frame) && !this.closing) this.socket.pause();
  }

  private maybeResume(): void {
    if (this.closing || this.closed || this.saidGoodbye) return;
    if (
      this.queued.length === 0 &&
      this.inFlight.size < this.limits.maxInFlight &&
      !this.socket.writableNeedDrain
    ) {
      this.socket.resume();
    }
  }

  /**
   * One timer per connection, for whichever of its two clocks runs: the partial frame's (bytes of an
   * unfinished frame held) or the idle one (nothing running, no subscription). It is moved only when
   * a clock expires sooner than it is set for, so a busy connection costs almost no timer work; when
   * it fires late for a clock that moved on, it is set again.
   */
  private armTimer(): void {
    if (this.closed || this.saidGoodbye || this.closing) return;
    const due = this.dueAt();
    if (due === undefined || (this.timer !== undefined && due >= this.timerDue)) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerDue = Infinity;
        this.onTimer();
      },
      Math.max(0, due - performance.now()),
    );
    this.timer.unref();
  }

  private onTimer(): void {
    if (this.closed || this.saidGoodbye || this.closing) return;
    const due = this.dueAt();
    if (due !== undefined && performance.now() >= due) {
      this.goodbye(
        this.decoder.buffered > 0
          ? new ConnectionTimeoutError('partial-frame', this.limits.frameTimeoutMs)
          : new ConnectionTimeoutError('idle', this.limits.idleTimeoutMs),
      );
      return;
    }
    this.armTimer();
  }

  /** When the running clock expires; undefined when neither runs. */
  private dueAt(): number | undefined {
    if (this.decoder.buffered > 0) return this.frameStartedAt + this.limits.frameTimeoutMs;
    const idle = this.inFlight.size === 0 && this.queued.length === 0 && this.subscriptions.size === 0;
    return idle ? this.lastActivity + this.limits.idleTimeoutMs : undefined;
  }

  /**
   * Tells the peer why the connection ends (a response with id 0) and closes it: nothing more is
   * read or started, running requests are aborted, subscriptions end.
   */
  private goodbye(reason: unknown): void {
    if (this.saidGoodbye || this.closed) return;
    const frame = encodeFrame(FRAME_KIND.response, {
      id: GOODBYE_ID,
      entries: [],
      result: EMPTY,
      error: toWireError(reason),
    });
    this.saidGoodbye = true;
    this.onGoodbye?.(this.socket, reason);
    clearTimeout(this.timer);
    this.stopAll(reason instanceof ProtocolError ? reason : new OperationAbortedError());
    this.socket.end(frame);
    // A peer that does not read its goodbye does not keep the socket.
    setTimeout(() => this.socket.destroy(), GOODBYE_LINGER_MS).unref();
  }

  private stopAll(reason: unknown): void {
    this.queued.length = 0;
    for (const controller of this.inFlight.values()) controller.abort(reason);
    for (const stop of this.subscriptions.values()) stop();
    this.subscriptions.clear();
  }

  private cleanUp(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.stopAll(new OperationAbortedError());
    this.idle?.();
    this.onClosed(this);
  }
}

const EMPTY = Buffer.alloc(0);
/** How long a peer may take to read its goodbye before the socket is cut. */
const GOODBYE_LINGER_MS = 1000;
