import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { PartitionMap } from '../../../src/client/PartitionMap';
import { PartitionMapSource } from '../../../src/client/PartitionMapSource';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { NotPrimaryError, SpacelogError } from '../../../src/errors';
import { toWireError } from '../../../src/net/errorCodec';
import { encodeFrame, FrameDecoder } from '../../../src/net/FrameCodec';
import { ANY_PARTITION, FRAME_KIND, type RequestFrame } from '../../../src/net/protocol';
import { describeSpace, type SpaceDescription } from '../../../src/net/SpaceDescription';
import { toWireJson } from '../../../src/net/wireJson';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';

const types = SchemaLoader.loadFolder(path.resolve(__dirname, '../../../schemas/examples'));

/** A stub server of a 2-partition space: DESCRIBE answers `map()`, other requests `answer`. */
class Stub {
  readonly seen: RequestFrame[] = [];
  private readonly server: Server;
  endpoint = '';

  constructor(map: () => readonly string[] | undefined, answer: (request: RequestFrame) => unknown) {
    this.server = createServer((socket) => {
      const decoder = new FrameDecoder();
      socket.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) {
          if (frame.kind !== FRAME_KIND.request) continue;
          const request = frame.body;
          this.seen.push(request);
          let result: Buffer = Buffer.alloc(0);
          let error = null;
          try {
            result = toWireJson(
              request.op === 'DESCRIBE' ? describeSpace('orders', 2, types, map()) : answer(request),
            );
          } catch (thrown) {
            error = toWireError(thrown);
          }
          socket.write(encodeFrame(FRAME_KIND.response, { id: request.id, entries: [], result, error }));
        }
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.endpoint = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  ops(op: string): RequestFrame[] {
    return this.seen.filter((r) => r.op === op);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('RemoteSpace over several endpoints (stub servers)', () => {
  let stubs: Stub[] = [];
  let client: RemoteSpace | undefined;
  afterEach(async () => {
    await client?.close();
    await Promise.all(stubs.map((s) => s.close()));
    stubs = [];
  });

  it('sends one request to a single server, and fans out once the map names two', async () => {
    let split = false;
    const map = (): string[] | undefined => (split ? [a.endpoint, b.endpoint] : undefined);
    const count = (owner: number) => (request: RequestFrame) => {
      if (request.partition === ANY_PARTITION) {
        if (split) throw new NotPrimaryError('no longer primary of every partition');
        return 10;
      }
      if (request.partition !== owner) throw new NotPrimaryError(`not primary of ${request.partition}`);
      return owner === 0 ? 3 : 4;
    };
    const a = await new Stub(map, count(0)).listen();
    const b = await new Stub(map, count(1)).listen();
    stubs = [a, b];
    client = await RemoteSpace.connect({
      bootstrap: [a.endpoint],
      space: 'orders',
      retry: { initialBackoffMs: 1 },
    });
    expect(client.partitionMap.single).toBe(a.endpoint);
    await expect(client.count('Order')).resolves.toBe(10);
    expect(a.ops('COUNT').map((r) => r.partition)).toEqual([ANY_PARTITION]);

    split = true;
    await expect(client.count('Order')).resolves.toBe(7);
    expect(client.partitionMap.endpointOf(1)).toBe(b.endpoint);
    expect(a.ops('COUNT').map((r) => r.partition)).toEqual([ANY_PARTITION, ANY_PARTITION, 0]);
    expect(b.ops('COUNT').map((r) => r.partition)).toEqual([1]);
  });

  it('retries a write refused by a server that is not the primary, but not a broadcast clear', async () => {
    let moved = false;
    const map = (): string[] => (moved ? [b.endpoint, b.endpoint] : [a.endpoint, b.endpoint]);
    const serve = (name: string) => (request: RequestFrame) => {
      const owner = moved || request.partition === 1 ? 'b' : 'a';
      if (name !== owner) throw new NotPrimaryError(`${name} is not primary of ${request.partition}`);
      return request.op === 'WRITE' ? { id: 'o-1', version: 1, leaseExpiresAt: null, partition: 0 } : 2;
    };
    const a = await new Stub(map, serve('a')).listen();
    const b = await new Stub(map, serve('b')).listen();
    stubs = [a, b];
    client = await RemoteSpace.connect({
      bootstrap: [a.endpoint],
      space: 'orders',
      retry: { initialBackoffMs: 1 },
    });
    moved = true;
    const customerId = 'c-2'; // partition 0 of 2
    const order = {
      id: 'o-1',
      customerId,
      status: 'NEW',
      total: 1,
      createdAt: 0,
      shipping: { city: 'Oslo', zip: '1' },
      lines: [],
    };
    await expect(client.write('Order', order)).resolves.toMatchObject({ id: 'o-1', partition: 0 });
    expect(a.ops('WRITE')).toHaveLength(1);
    expect(b.ops('WRITE')).toHaveLength(1);
    expect(client.partitionMap.single).toBe(b.endpoint);

    // One server for all again: a clear goes to it for ANY_PARTITION. Refused there, it may have run
    // on some partitions already, so it is not retried.
    moved = false;
    const clear = client.clear('Order');
    await expect(clear).rejects.toBeInstanceOf(NotPrimaryError);
    expect(b.ops('CLEAR')).toHaveLength(1);
  });
});

describe('PartitionMapSource', () => {
  const description = (partitionMap?: string[]): SpaceDescription => ({
    name: 'orders',
    partitions: 2,
    schemas: [],
    ...(partitionMap ? { partitionMap } : {}),
  });
  const source = (
    describe: (endpoint: string) => Promise<SpaceDescription>,
    open: string[] = [],
  ): PartitionMapSource =>
    new PartitionMapSource(
      {
        space: 'orders',
        partitions: 2,
        bootstrap: ['boot:1'],
        describe,
        isOpen: (e) => open.includes(e),
        refreshBudgetMs: 1000,
        maxAgeMs: Infinity,
        keepFresh: () => false,
      },
      new PartitionMap(['x:1', 'y:1']),
    );

  it('shares one request among concurrent refreshes, and skips one already done since', async () => {
    const describe = jest.fn(async () => description(['y:1', 'y:1']));
    const maps = source(describe);
    const seen = maps.generation;
    await Promise.all([maps.refresh(seen), maps.refresh(seen), maps.refresh()]);
    expect(describe).toHaveBeenCalledTimes(1);
    await maps.refresh(seen); // a refresh completed after `seen`: nothing to do
    expect(describe).toHaveBeenCalledTimes(1);
    expect(maps.map.single).toBe('y:1');
    await maps.refresh();
    expect(describe).toHaveBeenCalledTimes(2);
  });

  it('asks live endpoints first, then the others, then the bootstrap; tells listeners of a change', async () => {
    const asked: string[] = [];
    const maps = source(
      async (endpoint) => {
        asked.push(endpoint);
        if (endpoint !== 'boot:1') throw new SpacelogError('down', 'CONNECTION_LOST', true);
        return description();
      },
      ['y:1'],
    );
    const changes: PartitionMap[] = [];
    maps.onChange((map) => changes.push(map));
    await maps.refresh();
    expect(asked).toEqual(['y:1', 'x:1', 'boot:1']);
    // No partition map in the answer: the server that answered serves them all.
    expect(maps.map.single).toBe('boot:1');
    expect(changes).toHaveLength(1);
    await maps.refresh();
    expect(changes).toHaveLength(1);
  });

  it('keeps the map when no endpoint answers, and refuses another space', async () => {
    const down = source(async () => {
      throw new SpacelogError('down', 'CONNECTION_LOST', true);
    });
    await expect(down.refresh()).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    expect(down.map.endpointOf(0)).toBe('x:1');
    const wrong = source(async () => ({ ...description(), name: 'payments' }));
    await expect(wrong.refresh()).rejects.toMatchObject({ code: 'SPACE_NOT_FOUND' });
    expect(wrong.map.endpointOf(1)).toBe('y:1');
  });
});
