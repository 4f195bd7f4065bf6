import { FencedError, PartitionNotReadyError } from '../../../src/errors';
import { MutationCodec, PartitionAppender, TopicAdmin } from '../../../src/log';
import { deletePrefix, orderMutation, orderType, readAll, testKafka, uniquePrefix } from './logTestKit';

jest.setTimeout(90_000);

describe('PartitionAppender', () => {
  const kafka = testKafka();
  const prefix = uniquePrefix();
  const codec = new MutationCodec({ types: [orderType()] });
  const topics = new TopicAdmin({ kafka, prefix });
  const appenders: PartitionAppender[] = [];

  function appender(
    space: string,
    options: Partial<ConstructorParameters<typeof PartitionAppender>[0]> = {},
  ): PartitionAppender {
    const created = new PartitionAppender({ kafka, prefix, space, partition: 0, codec, ...options });
    appenders.push(created);
    return created;
  }

  afterAll(async () => {
    await Promise.all(appenders.map((a) => a.close()));
    await deletePrefix(kafka, prefix);
    await topics.close();
  });

  it('refuses appends before start', async () => {
    await expect(appender('early').append([orderMutation('a', 1, 1)])).rejects.toThrow(
      PartitionNotReadyError,
    );
  });

  it('group-commits 200 concurrent appends into fewer transactions, every record readable in order', async () => {
    await topics.ensureSpace('grouped', 1);
    const writer = appender('grouped');
    await writer.start();
    const mutations = Array.from({ length: 200 }, (_, i) => orderMutation(`o${i}`, 1, i));
    const positions = await Promise.all(mutations.map((m) => writer.appendWithPositions([m])));

    expect(writer.stats.records).toBe(200);
    expect(writer.stats.transactions).toBeLessThan(200);
    expect(writer.stats.transactions).toBeGreaterThan(0);

    const read = await readAll(kafka, prefix, 'grouped', codec);
    expect(read.map((r) => r.mutation)).toEqual(mutations);
    // Each append's reported position is where its record really is.
    expect(positions.map((p) => p[0]!.offset)).toEqual(read.map((r) => r.offset));
  });

  it('commits a multi-mutation append atomically in one transaction', async () => {
    await topics.ensureSpace('atomic', 1);
    const writer = appender('atomic');
    await writer.start();
    const batch = [
      orderMutation('x', 1, 1),
      orderMutation('x', 2, 2),
      { ...orderMutation('x', 2, 2), op: 'TAKE' as const, state: null },
    ];
    const positions = await writer.appendWithPositions(batch);
    expect(writer.stats.transactions).toBe(1);
    expect(positions.map((p) => p.offset)).toEqual([0, 1, 2]);
    expect((await readAll(kafka, prefix, 'atomic', codec)).map((r) => r.mutation)).toEqual(batch);
  });

  it('a second writer fences the first: the first rejects with FencedError and nothing of it follows the takeover', async () => {
    await topics.ensureSpace('fenced', 1);
    const fencedCalls: FencedError[] = [];
    const first = appender('fenced', { onFenced: (e) => fencedCalls.push(e) });
    await first.start();
    await first.append([orderMutation('before', 1, 1, 'first')]);

    const second = appender('fenced');
    await second.start();

    const attempts = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => first.append([orderMutation(`zombie${i}`, 1, i, 'first')])),
    );
    for (const attempt of attempts) {
      expect(attempt.status).toBe('rejected');
      expect((attempt as PromiseRejectedResult).reason).toBeInstanceOf(FencedError);
    }
    expect(first.state).toBe('fenced');
    expect(fencedCalls).toHaveLength(1);
    await expect(first.append([orderMutation('late', 1, 1, 'first')])).rejects.toThrow(FencedError);

    await second.append([orderMutation('after', 1, 1, 'second')]);
    const read = await readAll(kafka, prefix, 'fenced', codec);
    expect(read.map((r) => `${r.mutation.origin}:${r.mutation.id}`)).toEqual([
      'first:before',
      'second:after',
    ]);
  });

  it('aborts the open transaction of a writer taken over mid-batch, and the writer ends fenced (8 rounds)', async () => {
    // Several rounds: the takeover lands at a different point of the first writer's transaction each
    // time (a send, the commit). On Kafka 3.x a commit racing the fence is answered
    // UNKNOWN_SERVER_ERROR and a send INVALID_TXN_STATE; the writer must still end fenced, not failed
    // (a failed writer rebuilds and would fence the new one back).
    for (let round = 0; round < 8; round++) {
      const space = `midflight${round}`;
      await topics.ensureSpace(space, 1);
      const first = appender(space, { lingerMs: 0 });
      await first.start();
      const second = appender(space);
      // Start both at once: whichever batch of the first was open when the second initialised is aborted.
      const inFlight = Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => first.append([orderMutation(`f${i}`, 1, i, 'first')])),
      );
      await second.start();
      const settled = await inFlight;
      await second.append([orderMutation('s', 1, 1, 'second')]);
      const acknowledged = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [`f${i}`] : []));
      const read = await readAll(kafka, prefix, space, codec);
      const firstIds = read.filter((r) => r.mutation.origin === 'first').map((r) => r.mutation.id);
      // docs/design.md law 2 for the fenced writer: exactly what it acknowledged is in the log, nothing more.
      expect(firstIds).toEqual(acknowledged);
      expect(read[read.length - 1]!.mutation.id).toBe('s');
      if (acknowledged.length < settled.length)
        expect({ round, state: first.state }).toEqual({ round, state: 'fenced' });
    }
  });

  it('finds the transaction coordinator once, not before every AddPartitionsToTxn and EndTxn (patches/kafkajs)', async () => {
    await topics.ensureSpace('coordinator', 1);
    const requests: string[] = [];
    // The appender only calls kafka.producer(); count what its producer sends.
    const counting = Object.create(kafka) as typeof kafka;
    counting.producer = (config) => {
      const producer = kafka.producer(config);
      producer.on(producer.events.REQUEST, (event) => requests.push(event.payload.apiName));
      return producer;
    };
    const writer = appender('coordinator', { kafka: counting, lingerMs: 0 });
    await writer.start();
    for (let i = 0; i < 10; i++) await writer.append([orderMutation(`c${i}`, 1, i)]);

    const count = (api: string): number => requests.filter((name) => name === api).length;
    expect(writer.stats.transactions).toBe(10);
    expect(count('EndTxn')).toBe(10);
    // Unpatched kafkajs 2.2.4 sends 21 here: one for InitProducerId and two per transaction.
    expect(count('GroupCoordinator')).toBeLessThanOrEqual(2);
  });
});
