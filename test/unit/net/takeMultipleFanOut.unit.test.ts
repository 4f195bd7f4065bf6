import fc from 'fast-check';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { takenFromAll } from '../../../src/api/takenFromAll';
import { AppendFailedError } from '../../../src/errors';
import { encodeEntry } from '../../../src/net/entryCodec';
import { toWireError } from '../../../src/net/errorCodec';
import { encodeFrame, FrameDecoder } from '../../../src/net/FrameCodec';
import { FRAME_KIND, type RequestFrame } from '../../../src/net/protocol';
import { describeSpace } from '../../../src/net/SpaceDescription';
import { toWireJson } from '../../../src/net/wireJson';
import type { Entry } from '../../../src/schema/Entry';
import { exampleTypes, order } from '../space/fixtures';

const types = exampleTypes();
const EMPTY = Buffer.alloc(0);

/** One unit of a 2-partition cluster: DESCRIBE gives `map()`, TAKE_MULTIPLE gives `take()`. */
async function unit(
  map: () => string[],
  take: (request: RequestFrame) => { entries: Buffer[] } | { error: unknown },
): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind !== FRAME_KIND.request) continue;
        const { id, op } = frame.body;
        if (op === 'DESCRIBE') {
          const result = toWireJson(describeSpace('orders', 2, types, map()));
          socket.write(encodeFrame(FRAME_KIND.response, { id, entries: [], result, error: null }));
          continue;
        }
        const answer = take(frame.body);
        socket.write(
          encodeFrame(FRAME_KIND.response, {
            id,
            entries: 'entries' in answer ? answer.entries : [],
            result: EMPTY,
            error: 'error' in answer ? toWireError(answer.error) : null,
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const entry = (id: string): Entry => ({ id }) as unknown as Entry;

describe('a takeMultiple over several partitions returns what any of them took', () => {
  it('takenFromAll: every entry taken, and an error only when nothing was taken', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }), fc.constant(null))),
        async (parts) => {
          const sent = parts.map((ids, k) =>
            ids === null ? Promise.reject(new Error(`part ${k}`)) : Promise.resolve(ids.map(entry)),
          );
          const expected = parts.flatMap((ids) => ids ?? []);
          const firstFailure = parts.findIndex((ids) => ids === null);
          const outcome = await takenFromAll(sent).then(
            (taken) => taken.map((e) => e.id),
            (error: Error) => error.message,
          );
          if (expected.length === 0 && firstFailure >= 0) expect(outcome).toBe(`part ${firstFailure}`);
          else expect(outcome).toEqual(expected);
        },
      ),
    );
  });

  describe('through the network (two units)', () => {
    const servers: Server[] = [];
    let client: RemoteSpace | undefined;
    afterEach(async () => {
      await client?.close();
      await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    });

    it("regression: one partition's failure does not throw away what another partition took", async () => {
      let endpoints: string[] = [];
      const taken = encodeEntry(types.require('Order'), order('o1'));
      const a = await unit(
        () => endpoints,
        () => ({ entries: [taken] }),
      );
      const failed = new AppendFailedError('broker gone', false, { partition: 1 });
      const b = await unit(
        () => endpoints,
        () => ({ error: failed }),
      );
      servers.push(a.server, b.server);
      endpoints = [a.endpoint, b.endpoint];
      client = await RemoteSpace.connect({ bootstrap: [a.endpoint], space: 'orders' });
      const entries = await client.takeMultiple('Order');
      expect(entries.map((e) => e.id)).toEqual(['o1']);
    });

    it('nothing taken anywhere: the failure is thrown', async () => {
      let endpoints: string[] = [];
      const a = await unit(
        () => endpoints,
        () => ({ entries: [] }),
      );
      const failed = new AppendFailedError('broker gone', false, { partition: 1 });
      const b = await unit(
        () => endpoints,
        () => ({ error: failed }),
      );
      servers.push(a.server, b.server);
      endpoints = [a.endpoint, b.endpoint];
      client = await RemoteSpace.connect({ bootstrap: [a.endpoint], space: 'orders' });
      await expect(client.takeMultiple('Order')).rejects.toBeInstanceOf(AppendFailedError);
    });
  });
});
