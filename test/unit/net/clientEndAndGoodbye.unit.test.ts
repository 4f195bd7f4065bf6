import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { ConnectionLimitError, ConnectionLostError, SubscriptionOverflowError } from '../../../src/errors';
import { toWireError } from '../../../src/net/errorCodec';
import { encodeFrame, FrameDecoder } from '../../../src/net/FrameCodec';
import { FRAME_KIND, GOODBYE_ID, type RequestFrame } from '../../../src/net/protocol';
import { describeSpace } from '../../../src/net/SpaceDescription';
import { toWireJson } from '../../../src/net/wireJson';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';

const types = SchemaLoader.loadFolder(path.resolve(__dirname, '../../../schemas/examples'));
const EMPTY = Buffer.alloc(0);

function stub(
  onRequest: (request: RequestFrame, socket: Socket) => void,
): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind !== FRAME_KIND.request) continue;
        if (frame.body.op === 'DESCRIBE') {
          const result = toWireJson(describeSpace('orders', 1, types));
          socket.write(
            encodeFrame(FRAME_KIND.response, { id: frame.body.id, entries: [], result, error: null }),
          );
        } else onRequest(frame.body, socket);
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

describe('a remote client hears the server end things', () => {
  let server: Server | undefined;
  let client: RemoteSpace | undefined;
  afterEach(async () => {
    await client?.close();
    await new Promise((r) => server?.close(r));
  });

  it('an End frame ends the subscription and reaches onEnd as SubscriptionOverflowError', async () => {
    const started = await stub((request, socket) => {
      socket.write(
        encodeFrame(FRAME_KIND.response, { id: request.id, entries: [], result: EMPTY, error: null }),
      );
      if (request.op === 'SUBSCRIBE') {
        const error = toWireError(new SubscriptionOverflowError(1024));
        socket.write(encodeFrame(FRAME_KIND.end, { subscription: request.id, error }));
      }
    });
    server = started.server;
    client = await RemoteSpace.connect({ bootstrap: [started.endpoint], space: 'orders' });
    const ended = new Promise<unknown>(
      (resolve) => void client!.subscribe('Order', { template: {} }, () => undefined, { onEnd: resolve }),
    );
    const error = await ended;
    expect(error).toBeInstanceOf(SubscriptionOverflowError);
    expect(error).toMatchObject({ limit: 1024, code: 'SUBSCRIPTION_OVERFLOW' });
  });

  it('a goodbye fails pending requests with ConnectionLostError carrying the typed reason', async () => {
    const started = await stub((_request, socket) => {
      const error = toWireError(new ConnectionLimitError(3));
      socket.end(encodeFrame(FRAME_KIND.response, { id: GOODBYE_ID, entries: [], result: EMPTY, error }));
    });
    server = started.server;
    client = await RemoteSpace.connect({ bootstrap: [started.endpoint], space: 'orders' });
    const failure: unknown = await client
      .count('Order', undefined, { requestTimeout: 2000 })
      .catch((e: unknown) => e);
    const lost = failure instanceof ConnectionLostError ? failure : (failure as { cause?: unknown }).cause;
    expect(lost).toBeInstanceOf(ConnectionLostError);
    expect((lost as ConnectionLostError).requestSent).toBe(false);
    expect((lost as ConnectionLostError).cause).toBeInstanceOf(ConnectionLimitError);
  });
});
