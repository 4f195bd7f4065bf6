import fc from 'fast-check';
import { FrameTooLargeError, ProtocolError, SpacelogError } from '../../../src/errors';
import { encodeFrame, FrameDecoder, SERVER_RECEIVES, type Frame } from '../../../src/net/FrameCodec';
import { FRAME_KIND, type RequestFrame } from '../../../src/net/protocol';
import { decodeArgs } from '../../../src/net/requestArgs';
import { fromWireJson, MAX_BIGINT_DIGITS, toWireJson } from '../../../src/net/wireJson';

function request(id: number, args = '{}'): RequestFrame {
  return { id, partition: 0, op: 'READ', type: 'Order', args: Buffer.from(args), entry: null, deadline: 0 };
}

/** Cuts bytes at the given (sorted, deduplicated) points. */
function cut(bytes: Buffer, points: readonly number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...at, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

/** Feeds chunks; returns the frames, or the error thrown (the stream ends there). */
function feed(decoder: FrameDecoder, chunks: readonly Buffer[]): { frames: Frame[]; error?: unknown } {
  const frames: Frame[] = [];
  try {
    for (const chunk of chunks) frames.push(...decoder.push(chunk));
  } catch (error) {
    return { frames, error };
  }
  return { frames };
}

describe('FrameDecoder on hostile bytes', () => {
  it('property: random bytes in random chunks into a server decoder give frames or a typed error, never another exception, quickly', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        (raw, points, framed) => {
          // Half the runs put a plausible length and kind in front, so the Avro decoders see garbage too.
          let bytes = Buffer.from(raw);
          if (framed) {
            const head = Buffer.alloc(5);
            head.writeUInt32BE(bytes.length + 1, 0);
            head.writeUInt8(1 + (bytes.length % 5), 4);
            bytes = Buffer.concat([head, bytes]);
          }
          const { error } = feed(new FrameDecoder(1024, SERVER_RECEIVES), cut(bytes, points));
          if (error !== undefined) {
            expect(error instanceof ProtocolError || error instanceof FrameTooLargeError).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: valid frames cut anywhere decode to the same frames as whole', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(1_000_000), fc.string({ maxLength: 3000 })), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (requests, points) => {
          const bytes = Buffer.concat(
            requests.map(([id, a]) => encodeFrame(FRAME_KIND.request, request(id, a))),
          );
          const decoder = new FrameDecoder();
          const { frames, error } = feed(decoder, cut(bytes, points));
          expect(error).toBeUndefined();
          expect(frames.map((f) => (f.body as RequestFrame).id)).toEqual(requests.map(([id]) => id));
          expect(frames.map((f) => (f.body as RequestFrame).args.toString())).toEqual(
            requests.map(([, a]) => a),
          );
          expect(decoder.buffered).toBe(0);
        },
      ),
    );
  });

  it('refuses an oversize length prefix at once, holding nothing but the header', () => {
    const decoder = new FrameDecoder(1000);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(1001, 0);
    expect(() => decoder.push(head)).toThrow(FrameTooLargeError);
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(0xffffffff, 0);
    expect(() => new FrameDecoder(1000).push(huge)).toThrow(FrameTooLargeError);
  });

  it('regression: joins a 16 MiB frame in 64 KiB chunks once, not once per chunk', () => {
    const frame = encodeFrame(FRAME_KIND.request, request(1, 'x'.repeat(16 * 1024 * 1024 - 100)));
    const concat = jest.spyOn(Buffer, 'concat');
    try {
      const decoder = new FrameDecoder();
      const frames: Frame[] = [];
      for (let at = 0; at < frame.length; at += 64 * 1024)
        frames.push(...decoder.push(frame.subarray(at, at + 64 * 1024)));
      expect(frames).toHaveLength(1);
      expect(concat.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      concat.mockRestore();
    }
  });

  it('regression: a frame dripped one byte at a time costs no copy per byte', () => {
    const frame = encodeFrame(FRAME_KIND.request, request(2, 'y'.repeat(200_000)));
    const concat = jest.spyOn(Buffer, 'concat');
    try {
      const decoder = new FrameDecoder();
      const frames: Frame[] = [];
      for (let at = 0; at < frame.length; at++) frames.push(...decoder.push(frame.subarray(at, at + 1)));
      expect(frames).toHaveLength(1);
      expect((frames[0]!.body as RequestFrame).args.length).toBe(200_000);
      // Bytes are gathered in 64 KiB blocks: the frame is joined from a handful of them, once.
      expect(concat.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      concat.mockRestore();
    }
  });
});

describe('wire JSON bounds', () => {
  it(`accepts a $bigint of ${MAX_BIGINT_DIGITS} digits and refuses one longer with a ProtocolError`, () => {
    const ok = '9'.repeat(MAX_BIGINT_DIGITS);
    expect(fromWireJson(Buffer.from(`{"n":{"$bigint":"-${ok}"}}`))).toEqual({ n: -BigInt(ok) });
    expect(() => fromWireJson(Buffer.from(`{"n":{"$bigint":"${ok}1"}}`))).toThrow(ProtocolError);
  });

  it('regression: a 16 MB $bigint is refused in milliseconds, not parsed for seconds', () => {
    const bytes = Buffer.from(`{"n":{"$bigint":"${'7'.repeat(16_000_000)}"}}`);
    const started = performance.now();
    expect(() => fromWireJson(bytes)).toThrow(ProtocolError);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a $bigint that is not an integer and bytes that are not JSON with a ProtocolError', () => {
    expect(() => fromWireJson(Buffer.from('{"n":{"$bigint":"1e5"}}'))).toThrow(ProtocolError);
    expect(() => fromWireJson(Buffer.from('{"selector":'))).toThrow(ProtocolError);
    expect(() => fromWireJson(Buffer.from([0xff, 0xfe, 0x00]))).toThrow(ProtocolError);
  });
});

describe('request args decoder', () => {
  const typed = (run: () => unknown): void => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(SpacelogError);
      expect((error as SpacelogError).code).not.toBe('INTERNAL');
    }
  };

  it('property: random bytes give args or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => typed(() => decodeArgs(Buffer.from(bytes)))),
      {
        numRuns: 2000,
      },
    );
  });

  it('property: random JSON values give args or a typed error', () => {
    const key = fc.constantFrom('selector', 'options', 'changes', 'id', 'lease', 'ops', 'subscription', 'x');
    const value = fc.oneof(
      fc.jsonValue(),
      fc.record({ id: fc.jsonValue() }),
      fc.record({ template: fc.jsonValue() }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(key, value)), (args) =>
        typed(() => decodeArgs(toWireJson(args))),
      ),
      { numRuns: 2000 },
    );
  });

  it('names what is wrong', () => {
    expect(() => decodeArgs(Buffer.from('[1,2]'))).toThrow(ProtocolError);
    expect(() => decodeArgs(toWireJson({ selector: 5 }))).toThrow(/selector must be an object/);
    expect(() => decodeArgs(toWireJson({ selector: { query: 1 } }))).toThrow(/selector.query/);
    expect(() => decodeArgs(toWireJson({ id: 1, lease: 5 }))).toThrow(/args.id/);
    expect(decodeArgs(toWireJson({ selector: { id: 'a' }, options: { limit: 3 } }))).toEqual({
      selector: { id: 'a' },
      options: { limit: 3 },
    });
  });
});
