import { FrameTooLargeError, ProtocolError } from '../errors';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_KIND,
  FRAME_TYPES,
  type CancelFrame,
  type EventFrame,
  type FrameKind,
  type RequestFrame,
  type ResponseFrame,
} from './protocol';

/** One decoded frame, tagged by kind. @internal */
export type Frame =
  | { readonly kind: typeof FRAME_KIND.request; readonly body: RequestFrame }
  | { readonly kind: typeof FRAME_KIND.response; readonly body: ResponseFrame }
  | { readonly kind: typeof FRAME_KIND.event; readonly body: EventFrame }
  | { readonly kind: typeof FRAME_KIND.cancel; readonly body: CancelFrame };

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
 * @internal
 */
export class FrameDecoder {
  private pending: Buffer | undefined;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes held for a frame not complete yet. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  /**
   * Feeds one chunk; returns the frames it completes. Throws FrameTooLargeError or ProtocolError,
   * after which the stream is unusable (the connection must be closed).
   */
  push(chunk: Buffer): Frame[] {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    const frames: Frame[] = [];
    let at = 0;
    while (data.length - at >= 4) {
      const length = data.readUInt32BE(at);
      if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes);
      if (length < 1) throw new ProtocolError('empty frame');
      if (data.length - at - 4 < length) break;
      frames.push(
        decodeBody(data.readUInt8(at + 4), data.subarray(at + FRAME_HEADER_BYTES, at + 4 + length)),
      );
      at += 4 + length;
    }
    if (at < data.length) {
      // Copy the tail so a small partial frame does not pin a large chunk in memory.
      data = data.subarray(at);
      this.pending = at === 0 ? data : Buffer.from(data);
    }
    return frames;
  }
}

function decodeBody(kind: number, body: Buffer): Frame {
  const type = FRAME_TYPES[kind as FrameKind] as (typeof FRAME_TYPES)[FrameKind] | undefined;
  if (type === undefined) throw new ProtocolError(`unknown frame kind ${kind}`);
  try {
    return { kind, body: type.fromBuffer(body) } as Frame;
  } catch (error) {
    throw new ProtocolError(`undecodable frame of kind ${kind}: ${String(error)}`, { cause: error });
  }
}
