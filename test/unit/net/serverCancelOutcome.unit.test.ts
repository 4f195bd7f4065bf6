import { createServer, type AddressInfo, type Server } from 'node:net';
import { AppendFailedError, OperationAbortedError } from '../../../src/errors';
import { ClientConnection } from '../../../src/net/ClientConnection';
import type { ResponseFrame } from '../../../src/net/protocol';
import type { HandlerResult, RequestHandler, RequestScope } from '../../../src/net/RequestHandler';
import { ServerConnection } from '../../../src/net/ServerConnection';

const EMPTY = Buffer.alloc(0);

/** What the fake engine does once the request's signal aborts (the client's cancel arrived). */
type AfterAbort = (settle: { resolve: (r: HandlerResult) => void; reject: (e: unknown) => void }) => void;

/** A served connection whose every request waits for its abort, then does `afterAbort`. */
async function serve(afterAbort: AfterAbort): Promise<{ server: Server; endpoint: string }> {
  const handler = {
    handle: (_request: unknown, scope: RequestScope) =>
      new Promise<HandlerResult>((resolve, reject) =>
        scope.signal.addEventListener('abort', () => setTimeout(() => afterAbort({ resolve, reject }), 20), {
          once: true,
        }),
      ),
  } as unknown as RequestHandler;
  const limits = {
    maxInFlight: 8,
    maxFrameBytes: 1 << 20,
    frameTimeoutMs: 10_000,
    idleTimeoutMs: 10_000,
    maxSubscriberBufferBytes: 1 << 20,
  };
  const server = createServer((socket) => new ServerConnection(socket, handler, limits, () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Sends a TAKE, aborts it, and returns the server's answer to the cancel (the rejection's cause). */
async function abortedTake(endpoint: string): Promise<ResponseFrame | Error> {
  const connection = await ClientConnection.open({
    endpoint,
    connectTimeoutMs: 1000,
    maxFrameBytes: 1 << 20,
    onEvent: () => undefined,
    onClose: () => undefined,
  });
  try {
    const controller = new AbortController();
    const taking = connection.request(
      { partition: 0, op: 'TAKE', type: 'Order', args: EMPTY, entry: null, deadline: 0 },
      { timeoutMs: 10_000, signal: controller.signal, cancelGraceMs: 5000 },
    );
    setTimeout(() => controller.abort(), 10);
    return await taking.catch((error: Error) => error);
  } finally {
    connection.close();
  }
}

describe('the server answers a cancelled request with its real outcome (issue 16, item 2)', () => {
  let served: { server: Server; endpoint: string } | undefined;
  afterEach(async () => new Promise((r) => served?.server.close(r)));

  it("regression: a take claimed before the cancel whose append then failed answers with the append's error", async () => {
    served = await serve(({ reject }) =>
      reject(new AppendFailedError('broker gone', false, { partition: 0 })),
    );
    const outcome = await abortedTake(served.endpoint);
    expect(outcome).toBeInstanceOf(OperationAbortedError);
    // What the server said: the append's error, not "aborted" (the write failed too: nothing was lost).
    expect((outcome as Error).cause).toBeInstanceOf(AppendFailedError);
    expect((outcome as Error).cause).toMatchObject({ code: 'APPEND_FAILED', partition: 0 });
  });

  it('a take claimed before the cancel answers with the entry it took', async () => {
    const entry = Buffer.from('entry bytes');
    served = await serve(({ resolve }) => resolve({ entries: [entry], result: EMPTY }));
    const outcome = (await abortedTake(served.endpoint)) as ResponseFrame;
    expect(outcome.error).toBeNull();
    expect(outcome.entries).toEqual([entry]);
  });

  it('a wait the cancel ended answers OperationAbortedError', async () => {
    served = await serve(({ reject }) => reject(new OperationAbortedError()));
    const outcome = await abortedTake(served.endpoint);
    expect((outcome as Error).cause).toBeInstanceOf(OperationAbortedError);
  });
});
