import { FrameTooLargeError, ProtocolError } from '../../../src/errors';
import { encodeFrame, FrameDecoder } from '../../../src/net/FrameCodec';
import { FRAME_KIND, type RequestFrame } from '../../../src/net/protocol';

function request(id: number, op: RequestFrame['op'] = 'READ'): RequestFrame {
  return {
    id,
    partition: id % 3,
    op,
    type: 'Order',
    args: Buffer.from(`{"selector":{"id":"o-${id}"}}`),
    entry: id % 2 ? Buffer.from([1, 2, 3]) : null,
    deadline: 1000 + id,
  };
}

describe('FrameCodec', () => {
  it('round-trips every frame kind', () => {
    const decoder = new FrameDecoder();
    const chunk = Buffer.concat([
      encodeFrame(FRAME_KIND.request, request(7)),
      encodeFrame(FRAME_KIND.response, {
        id: 7,
        entries: [Buffer.from('x')],
        result: Buffer.alloc(0),
        error: null,
      }),
      encodeFrame(FRAME_KIND.event, {
        subscription: 3,
        op: 'TAKE',
        type: 'Order',
        id: 'o-1',
        version: 4,
        leaseExpiresAt: null,
        entry: Buffer.from('e'),
      }),
      encodeFrame(FRAME_KIND.cancel, { id: 9 }),
    ]);
    const frames = decoder.push(chunk);
    expect(frames.map((f) => f.kind)).toEqual([1, 2, 3, 4]);
    expect(frames[0]!.body).toMatchObject({ ...request(7) });
    expect(frames[1]!.body).toMatchObject({ id: 7, error: null });
    expect(frames[2]!.body).toMatchObject({ subscription: 3, op: 'TAKE', version: 4 });
    expect(frames[3]!.body).toMatchObject({ id: 9 });
    expect(decoder.buffered).toBe(0);
  });

  it('keeps a partial frame until its last byte arrives, fed one byte at a time', () => {
    const decoder = new FrameDecoder();
    const bytes = Buffer.concat([
      encodeFrame(FRAME_KIND.request, request(1)),
      encodeFrame(FRAME_KIND.request, request(2)),
    ]);
    const firstLength = encodeFrame(FRAME_KIND.request, request(1)).length;
    const ids: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      for (const frame of decoder.push(bytes.subarray(i, i + 1))) ids.push((frame.body as RequestFrame).id);
      const fed = i + 1;
      const held = fed === bytes.length ? 0 : fed >= firstLength ? fed - firstLength : fed;
      expect(decoder.buffered).toBe(held);
      expect(ids.length).toBe((fed >= firstLength ? 1 : 0) + (fed === bytes.length ? 1 : 0));
    }
    expect(ids).toEqual([1, 2]);
    expect(decoder.buffered).toBe(0);
  });

  it('decodes several frames of one chunk and keeps the tail of the next one', () => {
    const decoder = new FrameDecoder();
    const frames = [1, 2, 3].map((id) => encodeFrame(FRAME_KIND.request, request(id)));
    const third = frames[2]!;
    const first = decoder.push(Buffer.concat([frames[0]!, frames[1]!, third.subarray(0, 6)]));
    expect(first.map((f) => (f.body as RequestFrame).id)).toEqual([1, 2]);
    expect(decoder.buffered).toBe(6);
    expect(decoder.push(third.subarray(6)).map((f) => (f.body as RequestFrame).id)).toEqual([3]);
  });

  it('refuses an oversize frame as soon as its length is read', () => {
    const decoder = new FrameDecoder(64);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(65, 0);
    expect(() => decoder.push(header)).toThrow(FrameTooLargeError);
    const big = encodeFrame(FRAME_KIND.request, { ...request(1), args: Buffer.alloc(100) });
    expect(() => new FrameDecoder(64).push(big.subarray(0, 10))).toThrow(FrameTooLargeError);
  });

  it('refuses unknown kinds, empty frames and bodies that are not Avro of their kind', () => {
    const unknownKind = Buffer.from([0, 0, 0, 2, 9, 0]);
    expect(() => new FrameDecoder().push(unknownKind)).toThrow(ProtocolError);
    expect(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0]))).toThrow(ProtocolError);
    const truncatedBody = Buffer.from([0, 0, 0, 2, FRAME_KIND.request, 0x80]);
    expect(() => new FrameDecoder().push(truncatedBody)).toThrow(ProtocolError);
  });
});
