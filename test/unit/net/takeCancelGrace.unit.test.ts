import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { AppendFailedError, OperationAbortedError, RequestTimeoutError } from '../../../src/errors';
import { encodeEntry } from '../../../src/net/entryCodec';
import { toWireError } from '../../../src/net/errorCodec';
import { encodeFrame, FrameDecoder } from '../../../src/net/FrameCodec';
import { FRAME_KIND, type RequestFrame } from '../../../src/net/protocol';
import { describeSpace } from '../../../src/net/SpaceDescription';
import { fromWireJson, toWireJson } from '../../../src/net/wireJson';
import { exampleTypes, order } from '../space/fixtures';

const EMPTY = Buffer.alloc(0);
const types = exampleTypes();

/** What the stub does with a request, and later with a cancel of it. */
interface StubBehaviour {
  readonly onRequest?: (request: RequestFrame, socket: Socket) => void;
  readonly onCancel?: (request: RequestFrame, socket: Socket) => void;
}

/** A server that answers DESCRIBE and hands everything else, and every cancel, to the test. */
async function stub(behaviour: StubBehaviour): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((socket) => {
    const decoder = new FrameDecoder();
    const requests = new Map<number, RequestFrame>();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind === FRAME_KIND.cancel) {
          const request = requests.get(frame.body.id);
          if (request) behaviour.onCancel?.(request, socket);
        } else if (frame.kind === FRAME_KIND.request && frame.body.op === 'DESCRIBE') {
          const result = toWireJson(describeSpace('orders', 1, types));
          socket.write(
            encodeFrame(FRAME_KIND.response, { id: frame.body.id, entries: [], result, error: null }),
          );
        } else if (frame.kind === FRAME_KIND.request) {
          requests.set(frame.body.id, frame.body);
          behaviour.onRequest?.(frame.body, socket);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const answer = (socket: Socket, id: number, entries: Buffer[], error: unknown = undefined): boolean =>
  socket.write(
    encodeFrame(FRAME_KIND.response, {
      id,
      entries,
      result: EMPTY,
      error: error === undefined ? null : toWireError(error),
    }),
  );

const orderBytes = (id: string): Buffer => encodeEntry(types.require('Order'), order(id));

describe('a remote take given up on hears the answer to its cancel (issue 16, item 2)', () => {
  let server: Server | undefined;
  let client: RemoteSpace | undefined;
  afterEach(async () => {
    await client?.close();
    await new Promise((r) => server?.close(r));
  });

  async function start(behaviour: StubBehaviour, cancelGrace?: number): Promise<RemoteSpace> {
    const started = await stub(behaviour);
    server = started.server;
    client = await RemoteSpace.connect({
      bootstrap: [started.endpoint],
      space: 'orders',
      ...(cancelGrace !== undefined ? { cancelGrace } : {}),
    });
    return client;
  }

  it('regression: an aborted take whose entry the server had already taken returns that entry', async () => {
    // The server's engine had committed the take when the cancel came: it answers with the entry.
    const space = await start({
      onCancel: (request, socket) => answer(socket, request.id, [orderBytes('o1')]),
    });
    const controller = new AbortController();
    const taking = space.take('Order', { template: {} }, { timeout: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await taking)?.id).toBe('o1');
  });

  it('regression: a takeMultiple past its client-side deadline returns what the server took', async () => {
    const space = await start({
      onCancel: (request, socket) => answer(socket, request.id, [orderBytes('o1'), orderBytes('o2')]),
    });
    const taken = await space.takeMultiple('Order', { template: {} }, { requestTimeout: 30 });
    expect(taken.map((e) => e.id)).toEqual(['o1', 'o2']);
  });

  it('an aborted take the server answers with "aborted" rejects with OperationAbortedError', async () => {
    const space = await start({
      onCancel: (request, socket) => answer(socket, request.id, [], new OperationAbortedError()),
    });
    const controller = new AbortController();
    const taking = space.take('Order', { template: {} }, { timeout: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(taking).rejects.toBeInstanceOf(OperationAbortedError);
  });

  it("an aborted take whose hand-over append failed rejects with the append's error as cause", async () => {
    const failed = new AppendFailedError('broker gone', false, { partition: 0 });
    const space = await start({ onCancel: (request, socket) => answer(socket, request.id, [], failed) });
    const controller = new AbortController();
    const taking = space.take('Order', { template: {} }, { timeout: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = (await taking.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(OperationAbortedError);
    expect(error.cause).toBeInstanceOf(AppendFailedError);
  });

  it('gives up after the grace when the server never answers the cancel', async () => {
    const space = await start({}, 150);
    const controller = new AbortController();
    const taking = space.take('Order', { template: {} }, { timeout: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    await expect(taking).rejects.toBeInstanceOf(OperationAbortedError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('an aborted read rejects at once: it removed nothing', async () => {
    const space = await start({}, 60_000);
    const controller = new AbortController();
    const reading = space.read('Order', { template: {} }, { timeout: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(reading).rejects.toBeInstanceOf(OperationAbortedError);
  });

  it('a blocking take waits at least its timeout plus the blocking margin for the server, whatever requestTimeout says', async () => {
    const seen: RequestFrame[] = [];
    const space = await start({
      onRequest: (request, socket) => {
        seen.push(request);
        // The server's wait ends at the take's timeout; its null answer comes a little later.
        setTimeout(() => answer(socket, request.id, []), 150);
      },
    });
    const taking = space.take('Order', { template: {} }, { timeout: 100, requestTimeout: 1 });
    await expect(taking).resolves.toBeNull();
    const request = seen[0]!;
    const args = fromWireJson(request.args) as { options: { timeout: number } };
    expect(args.options.timeout).toBeLessThanOrEqual(100);
    // The deadline the request carries (the client's own limit) is the wait plus the 5 s margin.
    expect(request.deadline).toBeGreaterThanOrEqual(args.options.timeout + 4900);
  });

  it('a take timing out on the client still sends a cancel and answers RequestTimeoutError when nothing was taken', async () => {
    const space = await start({
      onCancel: (request, socket) => answer(socket, request.id, [], new OperationAbortedError()),
    });
    await expect(
      space.takeMultiple('Order', { template: {} }, { requestTimeout: 30 }),
    ).rejects.toBeInstanceOf(RequestTimeoutError);
  });
});
