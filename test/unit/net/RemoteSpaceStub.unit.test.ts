import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { ConnectionLostError, OperationAbortedError, RequestTimeoutError } from '../../../src/errors';
import { encodeFrame, FrameDecoder, type Frame } from '../../../src/net/FrameCodec';
import { FRAME_KIND, type RequestFrame } from '../../../src/net/protocol';
import { describeSpace } from '../../../src/net/SpaceDescription';
import { toWireJson } from '../../../src/net/wireJson';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';

const types = SchemaLoader.loadFolder(path.resolve(__dirname, '../../../schemas/examples'));

/** A server that answers DESCRIBE, then does what the test says with every other request. */
function stubServer(onRequest: (request: RequestFrame, socket: Socket) => void): {
  server: Server;
  seen: Frame[];
  ready: Promise<string>;
} {
  const seen: Frame[] = [];
  const server = createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        seen.push(frame);
        if (frame.kind !== FRAME_KIND.request) continue;
        if (frame.body.op === 'DESCRIBE') {
          const result = toWireJson(describeSpace('orders', 2, types));
          socket.write(
            encodeFrame(FRAME_KIND.response, { id: frame.body.id, entries: [], result, error: null }),
          );
        } else onRequest(frame.body, socket);
      }
    });
  });
  const ready = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
  return { server, seen, ready };
}

describe('RemoteSpace against a stub server', () => {
  let stub: ReturnType<typeof stubServer> | undefined;
  let client: RemoteSpace | undefined;
  afterEach(async () => {
    await client?.close();
    await new Promise((r) => stub?.server.close(r));
  });

  it('times out on the client when the server does not answer, and sends a cancel frame', async () => {
    stub = stubServer(() => undefined);
    client = await RemoteSpace.connect({ bootstrap: [await stub.ready], space: 'orders' });
    const read = client.count('Order', undefined, { requestTimeout: 100 });
    await expect(read).rejects.toBeInstanceOf(RequestTimeoutError);
    await waitFor(() => stub!.seen.some((f) => f.kind === FRAME_KIND.cancel));
    const request = stub.seen.find((f) => f.kind === FRAME_KIND.request && f.body.op === 'COUNT')!;
    const cancel = stub.seen.find((f) => f.kind === FRAME_KIND.cancel)!;
    expect((cancel.body as { id: number }).id).toBe((request.body as { id: number }).id);
  });

  it('sends a cancel frame when the caller aborts', async () => {
    stub = stubServer(() => undefined);
    // A take waits a grace for the answer to its cancel (it may carry the entry); this stub never answers.
    client = await RemoteSpace.connect({ bootstrap: [await stub.ready], space: 'orders', cancelGrace: 100 });
    const controller = new AbortController();
    const take = client.take(
      'Order',
      { id: 'o-1' },
      { routing: 'c-1', timeout: 60_000, signal: controller.signal },
    );
    await waitFor(() => stub!.seen.some((f) => f.kind === FRAME_KIND.request && f.body.op === 'TAKE'));
    controller.abort();
    await expect(take).rejects.toBeInstanceOf(OperationAbortedError);
    await waitFor(() => stub!.seen.some((f) => f.kind === FRAME_KIND.cancel));
  });

  it('does not retry a write whose request reached the server before the connection died', async () => {
    let writes = 0;
    stub = stubServer((request, socket) => {
      if (request.op === 'WRITE') writes++;
      socket.destroy();
    });
    client = await RemoteSpace.connect({ bootstrap: [await stub.ready], space: 'orders' });
    const write = client.write('Order', {
      id: 'o-1',
      customerId: 'c-1',
      status: 'NEW',
      total: 1,
      createdAt: 0,
      shipping: { city: 'Oslo', zip: '1' },
      lines: [],
    });
    await expect(write).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(write).rejects.toMatchObject({ requestSent: true, retriable: true });
    expect(writes).toBe(1);
  });

  it('retries a read whose connection died, on a new connection', async () => {
    let reads = 0;
    stub = stubServer((request, socket) => {
      if (request.op !== 'READ') return;
      reads++;
      if (reads === 1) return socket.destroy();
      socket.write(
        encodeFrame(FRAME_KIND.response, {
          id: request.id,
          entries: [],
          result: Buffer.alloc(0),
          error: null,
        }),
      );
    });
    client = await RemoteSpace.connect({
      bootstrap: [await stub.ready],
      space: 'orders',
      retry: { initialBackoffMs: 1 },
    });
    await expect(client.read('Order', { id: 'o-1' }, { routing: 'c-1' })).resolves.toBeNull();
    expect(reads).toBe(2);
  });

  it('counts calls for metrics() unless metrics: false', async () => {
    stub = stubServer((request, socket) => {
      socket.write(
        encodeFrame(FRAME_KIND.response, {
          id: request.id,
          entries: [],
          result: Buffer.alloc(0),
          error: null,
        }),
      );
    });
    const bootstrap = [await stub.ready];
    const callsOf = (space: RemoteSpace): number =>
      space
        .metrics()
        .families.filter((f) => f.name === 'spacelog_client_operations_total')
        .flatMap((f) => f.samples)
        .reduce((sum, sample) => sum + ('value' in sample ? sample.value : 0), 0);
    const counted = await RemoteSpace.connect({ bootstrap, space: 'orders' });
    const silent = await RemoteSpace.connect({ bootstrap, space: 'orders', metrics: false });
    try {
      for (const space of [counted, silent]) await space.read('Order', { id: 'o-1' }, { routing: 'c-1' });
      expect(callsOf(counted)).toBe(1);
      expect(callsOf(silent)).toBe(0);
    } finally {
      await Promise.all([counted.close(), silent.close()]);
    }
    await expect(RemoteSpace.connect({ bootstrap, space: 'orders', metrics: 'no' as never })).rejects.toThrow(
      /metrics must be true or false/u,
    );
  });
});

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
