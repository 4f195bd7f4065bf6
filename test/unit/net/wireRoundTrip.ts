import { encodeFrame, FrameDecoder } from '../../../src/net/FrameCodec';
import { FRAME_KIND, type ResponseFrame, type WireError } from '../../../src/net/protocol';

/** Sends a wire error through a real response frame and back, so the Avro schema is exercised too. */
export function decodeBody(error: WireError): WireError {
  const frame = encodeFrame(FRAME_KIND.response, { id: 1, entries: [], result: Buffer.alloc(0), error });
  const [decoded] = new FrameDecoder().push(frame);
  return (decoded!.body as ResponseFrame).error!;
}
