import { FrameTooLargeError, ProtocolError } from '../errors';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_KIND,
  FRAME_TYPES,
  type CancelFrame,
  type EndFrame,
  type EventFrame,
  type FrameKind,
  type RequestFrame,
  type ResponseFrame,
} from './protocol';
import { ChunkList } from './ChunkList';

/** One decoded frame, tagged by kind. @internal */
export type Frame =
  | { readonly kind: typeof FRAME_KIND.request; readonly body: RequestFrame }
  | { readonly kind: typeof FRAME_KIND.response; readonly body: ResponseFrame }
  | { readonly kind: typeof FRAME_KIND.event; readonly body: EventFrame }
  | { readonly kind: typeof FRAME_KIND.cancel; readonly body: CancelFrame }
  | { readonly kind: typeof FRAME_KIND.end; readonly body: EndFrame };

/** Encodes one frame: `uint32 length | uint8 kind | Avro body`. @internal */
export function encodeFrame<F extends Frame>(kind: F['kind'], body: F['body']): Buffer {
  const encoded = FRAME_TYPES[kind].toBuffer(body);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + encoded.length);
  frame.writeUInt32BE(encoded.length + 1, 0);
  frame.writeUInt8(kind, 4);
  encoded.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Cuts a byte stream into frames: keeps a partial frame until its last byte arrives, decodes
 * several frames of one chunk in order, and refuses a frame over the limit as soon as its length
 * is read (before buffering it), so a peer cannot make us hold an arbitrary amount of memory.
 * The chunks of a frame are kept in a list and joined once (see ChunkList). Anything it throws is a
 * FrameTooLargeError or a ProtocolError.
 * @internal
 */
export class FrameDecoder {
  private readonly pending = new ChunkList();
  /** Length field of the frame being collected, once read. */
  private expected: number | undefined;

  /**
   * `accepts`: the frame kinds this end may receive (a server: requests and cancels). Any other kind
   * is a ProtocolError before its body is decoded, so a peer cannot make us decode, say, a response
   * whose Avro array claims two billion items.
   */
  constructor(
    private maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
    private readonly accepts: ReadonlySet<number> = ALL_KINDS,
  ) {}

  /** Changes the largest frame accepted from now on (a server raises it once a peer authenticated). */
  allow(maxFrameBytes: number): void {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held for a frame not complete yet. */
  get buffered(): number {
    return this.pending.length;
  }

  /**
   * Feeds one chunk; returns the frames it completes. Throws FrameTooLargeError or ProtocolError,
   * after which the stream is unusable (the connection must be closed).
   */
  push(chunk: Buffer): Frame[] {
    this.pending.append(chunk);
    const frames: Frame[] = [];
    for (;;) {
      if (this.expected === undefined) {
        if (this.pending.length < 4) break;
        const length = this.pending.peekUInt32BE();
        if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes);
        if (length < 1) throw new ProtocolError('empty frame');
        this.expected = length;
      }
      if (this.pending.length < 4 + this.expected) break;
      const frame = this.pending.take(4 + this.expected);
      this.expected = undefined;
      const kind = frame.readUInt8(4);
      if (!this.accepts.has(kind)) throw new ProtocolError(`unexpected frame kind ${kind}`);
      frames.push(decodeBody(kind, frame.subarray(FRAME_HEADER_BYTES)));
    }
    this.pending.compact();
    return frames;
  }
}

const ALL_KINDS: ReadonlySet<number> = new Set(Object.values(FRAME_KIND));
/** The kinds a server receives. @internal */
export const SERVER_RECEIVES: ReadonlySet<number> = new Set([FRAME_KIND.request, FRAME_KIND.cancel]);
/** The kinds a client receives. @internal */
export const CLIENT_RECEIVES: ReadonlySet<number> = new Set([
  FRAME_KIND.response,
  FRAME_KIND.event,
  FRAME_KIND.end,
]);

function decodeBody(kind: number, body: Buffer): Frame {
  const type = FRAME_TYPES[kind as FrameKind] as (typeof FRAME_TYPES)[FrameKind] | undefined;
  if (type === undefined) throw new ProtocolError(`unknown frame kind ${kind}`);
  try {
    return { kind, body: type.fromBuffer(body) } as Frame;
  } catch (error) {
    throw new ProtocolError(`undecodable frame of kind ${kind}: ${String(error)}`, { cause: error });
  }
}
