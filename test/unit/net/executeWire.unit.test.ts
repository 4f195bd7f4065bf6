import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { partitionOf } from '../../../src/api/partitionOf';
import {
  InvalidArgumentError,
  OperationAbortedError,
  ProtocolError,
  ResultTooLargeError,
  SpaceClosedError,
  TaskFailedError,
  TaskTimeoutError,
  UnknownServiceError,
  UnknownTaskError,
} from '../../../src/errors';
import { encodeFrame, FrameDecoder } from '../../../src/net/FrameCodec';
import { FRAME_KIND, type RequestFrame } from '../../../src/net/protocol';
import { decodeArgs } from '../../../src/net/requestArgs';
import { SpaceServer } from '../../../src/net/SpaceServer';
import { fromWireJson, toWireJson } from '../../../src/net/wireJson';
import { serviceContext } from '../../../src/events/ServiceRegistry';
import { taskKit, TYPES } from '../events/taskKit';

describe('EXECUTE on the wire', () => {
  it('round-trips an EXECUTE request frame with its task, arguments and timeout', () => {
    const args = toWireJson({
      task: 'revenue',
      input: { since: 5n, blob: Buffer.from([1, 2]) },
      options: { timeout: Infinity },
    });
    const request: RequestFrame = {
      id: 7,
      partition: 2,
      op: 'EXECUTE',
      type: '',
      args,
      entry: null,
      deadline: 100,
    };
    const [frame] = new FrameDecoder().push(encodeFrame(FRAME_KIND.request, { ...request }));
    expect(frame!.kind).toBe(FRAME_KIND.request);
    const body = frame!.body as RequestFrame;
    expect(body.op).toBe('EXECUTE');
    expect(body.partition).toBe(2);
    expect(decodeArgs(body.args)).toEqual({
      task: 'revenue',
      input: { since: 5n, blob: Buffer.from([1, 2]) },
      options: { timeout: Infinity },
    });
  });

  it('refuses a task name that is not a non-empty string', () => {
    expect(() => decodeArgs(toWireJson({ task: 5 }))).toThrow(InvalidArgumentError);
    expect(() => decodeArgs(toWireJson({ task: '' }))).toThrow(InvalidArgumentError);
  });
});

describe('tasks and services through SpaceServer and RemoteSpace', () => {
  const notPrimary = new Set<number>();
  const kit = taskKit(4, notPrimary);
  let server: SpaceServer;
  let client: RemoteSpace;
  const serverSignals: AbortSignal[] = [];
  let runs = 0;

  beforeAll(async () => {
    kit.tasks.register('where', (args: { n: number }, ctx) => ({
      partition: ctx.partition,
      n: args.n,
      unit: ctx.unit,
    }));
    kit.tasks.register('count', (_args, ctx) => ctx.partition + 1);
    kit.tasks.register('coded', () => {
      throw Object.assign(new Error('no stock left'), { code: 'OUT_OF_STOCK' });
    });
    kit.tasks.register('hang', (_args, ctx) => {
      serverSignals.push(ctx.signal);
      return new Promise(() => undefined);
    });
    kit.tasks.register('big', () => 'x'.repeat(2000));
    kit.tasks.register('runs', () => ++runs);
    kit.tasks.register('flaky', () => {
      runs++;
      if (runs === 1) throw new SpaceClosedError('partition moved mid-task');
      return runs;
    });
    kit.services.export(
      'Orders',
      {
        where(customerId: string) {
          return { customerId, partition: serviceContext().partition };
        },
        add(a: number, b: number) {
          return a + b;
        },
      },
      { routing: (_method, args) => args[0] },
    );
    server = await SpaceServer.listen({ space: kit.space, types: TYPES }, { port: 0, maxResultBytes: 1000 });
    client = await RemoteSpace.connect({
      bootstrap: [server.endpoint],
      space: 'orders',
      retry: { maxBackoffMs: 20 },
    });
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  beforeEach(() => {
    runs = 0;
    notPrimary.clear();
  });

  it('executes at the partition of a routing value, arguments and result as wire JSON', async () => {
    const k = partitionOf('c-9', 4);
    expect(await client.execute('where', { n: 3 }, { routing: 'c-9' })).toEqual({
      partition: k,
      n: 3,
      unit: 'unit-a',
    });
    expect(await client.execute('where', { n: 4 }, { partition: 3 })).toMatchObject({ partition: 3 });
  });

  it('executeAll reduces on the caller, or answers the array in partition order', async () => {
    expect(await client.executeAll('count')).toEqual([1, 2, 3, 4]);
    expect(
      await client.executeAll<number, number>('count', null, {
        reduce: (rs) => rs.reduce((a, b) => a + b, 0),
      }),
    ).toBe(10);
  });

  it('carries typed errors: unknown task, failed task with its code, result over maxResultBytes', async () => {
    const unknown = (await client
      .execute('nope', {}, { partition: 1 })
      .catch((e: unknown) => e)) as UnknownTaskError;
    expect(unknown).toBeInstanceOf(UnknownTaskError);
    expect(unknown).toMatchObject({ task: 'nope', partition: 1, retriable: false });
    const failed = (await client
      .execute('coded', {}, { partition: 2 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(failed).toBeInstanceOf(TaskFailedError);
    expect(failed).toMatchObject({
      task: 'coded',
      causeCode: 'OUT_OF_STOCK',
      causeMessage: 'no stock left',
      partition: 2,
    });
    await expect(client.execute('big', {}, { partition: 0 })).rejects.toBeInstanceOf(ResultTooLargeError);
  });

  it('times out on the server with TaskTimeoutError and aborts the task signal', async () => {
    const error = (await client
      .execute('hang', {}, { partition: 0, timeout: 50 })
      .catch((e: unknown) => e)) as TaskTimeoutError;
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ task: 'hang', timeoutMs: 50, partition: 0 });
    expect(serverSignals.at(-1)!.aborted).toBe(true);
  });

  it('a caller abort cancels the task on the server (its signal aborted)', async () => {
    const controller = new AbortController();
    const before = serverSignals.length;
    const call = client.execute('hang', {}, { partition: 1, signal: controller.signal });
    await waitFor(() => serverSignals.length > before);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(OperationAbortedError);
    await waitFor(() => serverSignals.at(-1)!.aborted);
  });

  it('retries on NotPrimaryError (nothing ran) and runs the task once', async () => {
    notPrimary.add(2);
    setTimeout(() => notPrimary.delete(2), 60);
    expect(await client.execute('runs', {}, { partition: 2 })).toBe(1);
    expect(runs).toBe(1);
  });

  it('retries a task that failed with a retriable cause only when marked idempotent', async () => {
    const once = (await client
      .execute('flaky', {}, { partition: 0 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(once).toBeInstanceOf(TaskFailedError);
    expect(once.causeRetriable).toBe(true);
    expect(runs).toBe(1);
    runs = 0;
    expect(await client.execute('flaky', {}, { partition: 0, idempotent: true })).toBe(2);
  });

  it('a remote proxy call is routed by the export (redirected) or by the proxy, or broadcast', async () => {
    interface Orders {
      where(customerId: string): Promise<{ customerId: string; partition: number }>;
      add(a: number, b: number): Promise<number>;
    }
    const byExport = client.remote<Orders>('Orders');
    const byProxy = client.remote<Orders>('Orders', { routing: (_m, args) => args[0] });
    for (let i = 0; i < 12; i++) {
      const k = partitionOf(`c-${i}`, 4);
      expect(await byExport.where(`c-${i}`)).toEqual({ customerId: `c-${i}`, partition: k });
      expect(await byProxy.where(`c-${i}`)).toEqual({ customerId: `c-${i}`, partition: k });
    }
    const all = client.remote<Orders>('Orders', {
      broadcast: { reduce: (results) => (results as number[]).reduce((a, b) => a + b, 0) },
    });
    expect(await all.add(1, 1)).toBe(8);
    await expect(client.remote<Orders>('Missing').add(1, 2)).rejects.toBeInstanceOf(UnknownServiceError);
  });

  it('refuses EXECUTE for no partition with a ProtocolError', async () => {
    const response = client.call({
      op: 'EXECUTE',
      type: '',
      partition: -1,
      args: { task: 'count' },
      safety: 'once',
      options: {},
    });
    await expect(response).rejects.toBeInstanceOf(ProtocolError);
    expect(fromWireJson(Buffer.alloc(0))).toBeUndefined();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
