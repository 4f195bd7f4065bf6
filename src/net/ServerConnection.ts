import type { Socket } from 'node:net';
import { OperationAbortedError, SpaceClosedError } from '../errors';
import { toWireError } from './errorCodec';
import { encodeFrame, FrameDecoder, type Frame } from './FrameCodec';
import { FRAME_KIND, type EventFrame, type RequestFrame, type ResponseFrame } from './protocol';
import type { RequestHandler } from './RequestHandler';

/** Limits of one served connection. @internal */
export interface ServerConnectionLimits {
  readonly maxInFlight: number;
  readonly maxFrameBytes: number;
}

/**
 * One client connection on the server: decodes frames, runs requests concurrently (pipelining;
 * answers go out as they finish, in any order), cancels on request, pushes subscription events.
 *
 * Backpressure both ways: reading from the socket pauses while `maxInFlight` requests run or while
 * the socket's write buffer is over its high-water mark, and resumes when both are clear.
 * @internal
 */
export class ServerConnection {
  private readonly decoder: FrameDecoder;
  private readonly inFlight = new Map<number, AbortController>();
  private readonly subscriptions = new Map<number, () => void>();
  private corked = false;
  private closed = false;
  private closing = false;
  private idle: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly handler: RequestHandler,
    private readonly limits: ServerConnectionLimits,
    private readonly onClosed: (connection: ServerConnection) => void,
  ) {
    this.decoder = new FrameDecoder(limits.maxFrameBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', () => undefined); // 'close' follows and cleans up
    socket.on('close', () => this.cleanUp());
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
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch {
      // A peer that breaks framing cannot be answered reliably: drop it.
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (frame.kind === FRAME_KIND.request) this.start(frame.body);
      else if (frame.kind === FRAME_KIND.cancel)
        this.inFlight.get(frame.body.id)?.abort(new OperationAbortedError());
      // Responses and events are never sent to a server; ignore them.
    }
    if (this.inFlight.size >= this.limits.maxInFlight && !this.closing) this.socket.pause();
  }

  private start(request: RequestFrame): void {
    if (this.closing) {
      const refused = toWireError(new SpaceClosedError('server is closing'));
      this.send(
        encodeFrame(FRAME_KIND.response, { id: request.id, entries: [], result: EMPTY, error: refused }),
      );
      return;
    }
    const controller = new AbortController();
    this.inFlight.set(request.id, controller);
    const scope = {
      signal: controller.signal,
      receivedAt: performance.now(),
      pushEvent: (event: EventFrame) => this.send(encodeFrame(FRAME_KIND.event, event)),
      addSubscription: (id: number, stop: () => void) => {
        if (this.closed) stop();
        else this.subscriptions.set(id, stop);
      },
      removeSubscription: (id: number) => {
        this.subscriptions.get(id)?.();
        this.subscriptions.delete(id);
      },
    };
    this.handler.handle(request, scope).then(
      (answer) => this.finish(request.id, { id: request.id, ...answer, error: null }),
      (error: unknown) => {
        const reason: unknown = controller.signal.aborted ? (controller.signal.reason ?? error) : error;
        this.finish(request.id, { id: request.id, entries: [], result: EMPTY, error: toWireError(reason) });
      },
    );
  }

  private finish(id: number, response: ResponseFrame): void {
    this.inFlight.delete(id);
    this.send(encodeFrame(FRAME_KIND.response, response));
    if (this.inFlight.size === 0) this.idle?.();
    this.maybeResume();
  }

  /** Writes a frame; frames of one tick go out in one syscall (cork until the next tick). */
  private send(frame: Buffer): void {
    if (this.closed) return;
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
    if (this.closing || this.closed) return;
    if (this.inFlight.size < this.limits.maxInFlight && !this.socket.writableNeedDrain) this.socket.resume();
  }

  private cleanUp(): void {
    if (this.closed) return;
    this.closed = true;
    for (const controller of this.inFlight.values()) controller.abort(new OperationAbortedError());
    for (const stop of this.subscriptions.values()) stop();
    this.subscriptions.clear();
    this.idle?.();
    this.onClosed(this);
  }
}

const EMPTY = Buffer.alloc(0);
