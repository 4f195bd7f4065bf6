import type { Mutation } from '../../../src/space/Mutation';
import type { LogReaderOptions, LogReadProgress } from '../../../src/log';
import {
  LogReader,
  MutationCodec,
  PartitionAppender,
  SchemaTopic,
  TopicAdmin,
  WORKER_MIN_OFFSETS,
  WriterSchemas,
} from '../../../src/log';
import {
  orderSchemaWith,
  deletePrefix,
  orderMutation,
  orderType,
  readAll,
  testKafka,
  uniquePrefix,
  WORKER_CONNECTION,
} from './logTestKit';
import type { KafkaConnection } from '../../../src/log/connection/KafkaConnection';
import { WorkerTopicScanner } from '../../../src/log/read/WorkerTopicScanner';
import { LogReadError } from '../../../src/errors';

jest.setTimeout(90_000);

// Compiled by `npm install` (prepare) and by CI before the tests: the worker thread runs dist/.
const MODES: [string, KafkaConnection | undefined][] = [
  ['fetching on this thread', undefined],
  ['fetching in a worker thread', WORKER_CONNECTION],
];

test('the compiled worker script is there (fetching in a worker thread is tested, not skipped)', () => {
  expect(WorkerTopicScanner.script()).toMatch(/topicScanWorker\.js$/);
});

describe.each(MODES)('LogReader, %s', (_mode, fetchInWorker) => {
  // However short the log: these reads are there to test the worker.
  const where = fetchInWorker ? { fetchInWorker, workerMinOffsets: 0 } : {};
  const suffix = fetchInWorker ? '-w' : '';
  const kafka = testKafka();
  const prefix = uniquePrefix();
  const codec = new MutationCodec({ types: [orderType()] });
  const topics = new TopicAdmin({ kafka, prefix });
  const cleanups: (() => Promise<void>)[] = [];

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await deletePrefix(kafka, prefix);
    await topics.close();
  });

  /** A reader of partition 0 of `space` (suffixed for this mode), read this block's way; `options` add or override. */
  function readerOf(
    space: string,
    options: Partial<LogReaderOptions> & Pick<LogReaderOptions, 'onMutation'>,
  ): LogReader {
    return new LogReader({
      kafka,
      prefix,
      space: `${space}${suffix}`,
      partition: 0,
      codec,
      ...where,
      ...options,
    });
  }

  async function startedAppender(space: string): Promise<PartitionAppender> {
    await topics.ensureSpace(space, 1);
    const appender = new PartitionAppender({ kafka, prefix, space, partition: 0, codec });
    cleanups.push(() => appender.close());
    await appender.start();
    return appender;
  }

  it('reads committed mutations only: an aborted transaction of another producer is invisible', async () => {
    const appender = await startedAppender(`committed${suffix}`);
    await appender.append([orderMutation('a', 1, 1)]);

    const raw = kafka.producer({
      transactionalId: `${prefix}-raw`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await raw.connect();
    const txn = await raw.transaction();
    const aborted = codec.encode(orderMutation('ghost', 1, 666));
    await txn.send({
      topic: `${prefix}.committed${suffix}.0`,
      messages: [{ key: aborted.key, value: aborted.value, headers: aborted.headers }],
    });
    await txn.abort();
    await raw.disconnect();

    await appender.append([orderMutation('a', 2, 2), orderMutation('b', 1, 3)]);

    const progress: LogReadProgress[] = [];
    const seen: Mutation[] = [];
    const reader = readerOf('committed', {
      onMutation: (m) => seen.push(m),
      onProgress: (p) => progress.push(p),
    });
    const result = await reader.readToEnd();

    expect(seen.map((m) => `${m.id}@${m.version}`)).toEqual(['a@1', 'a@2', 'b@1']);
    expect(result.records).toBe(3);
    const last = progress[progress.length - 1]!;
    expect(last).toMatchObject({ records: 3, percent: 100 });
    expect(last.offset).toBeGreaterThanOrEqual(last.endOffset);
    expect(progress[0]!.percent).toBe(0);
  });

  it('returns at once for an empty log, and reads from a given offset', async () => {
    const appender = await startedAppender(`offsets${suffix}`);
    expect(await readAll(kafka, prefix, `offsets${suffix}`, codec, 0, fetchInWorker)).toEqual([]);
    const positions = await appender.appendWithPositions(
      [1, 2, 3, 4].map((n) => orderMutation(`o${n}`, 1, n)),
    );

    const seen: number[] = [];
    const from = positions[2]!.offset;
    const reader = readerOf('offsets', { fromOffset: from, onMutation: (_, offset) => seen.push(offset) });
    await reader.readToEnd();
    expect(seen).toEqual([positions[2]!.offset, positions[3]!.offset]);
  });

  it('regression: a read started right after an acknowledged append sees it (commit markers land late)', async () => {
    // The last stable offset trails a committed transaction until its markers are written, after the
    // commit returned; catching up to it instead of the high watermark lost acknowledged writes.
    const appender = await startedAppender(`ryw${suffix}`);
    for (let version = 1; version <= 40; version++) {
      await appender.append([orderMutation('r', version, version)]);
      const read = await readAll(kafka, prefix, `ryw${suffix}`, codec, 0, fetchInWorker);
      expect(read.map((r) => r.mutation.version)).toEqual(Array.from({ length: version }, (_, i) => i + 1));
    }
  });

  it('tails: delivers mutations appended after catching up (the catch-up in the worker, the follow here)', async () => {
    const appender = await startedAppender(`tailed${suffix}`);
    await appender.append([orderMutation('t1', 1, 1)]);
    const seen: string[] = [];
    let notify: (() => void) | undefined;
    const reader = readerOf('tailed', {
      onMutation: (m) => {
        seen.push(m.id);
        notify?.();
      },
    });
    cleanups.push(() => reader.stop());
    await reader.tail();
    expect(seen).toEqual(['t1']);

    const arrived = new Promise<void>((resolve) => (notify = () => seen.length === 3 && resolve()));
    await appender.append([orderMutation('t2', 1, 2)]);
    await appender.append([orderMutation('t3', 1, 3)]);
    await arrived;
    expect(seen).toEqual(['t1', 't2', 't3']);
  });

  it('reads records written with an older schema after loading it from the schema topic', async () => {
    const schemaTopic = new SchemaTopic({ kafka, topics });
    await schemaTopic.register([orderType()]);
    await (await startedAppender(`evolved${suffix}`)).append([orderMutation('old', 1, 7)]);

    const v2 = orderType(orderSchemaWith({ name: 'note', type: 'string', default: 'n/a' }));
    await schemaTopic.register([v2]);
    const newCodec = new MutationCodec({ types: [v2], writerSchemas: new WriterSchemas() });
    const seen: Mutation[] = [];
    const reader = readerOf('evolved', { codec: newCodec, schemaTopic, onMutation: (m) => seen.push(m) });
    await reader.readToEnd();
    expect(seen.map((m) => m.state)).toEqual([{ id: 'old', quantity: 7, note: 'n/a' }]);
  });

  it('a log that cannot be read rejects with a typed, retriable LogReadError', async () => {
    const reader = readerOf('missing', { onMutation: () => undefined });
    const error = await reader.readToEnd().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LogReadError);
    expect(error).toMatchObject({ code: 'LOG_READ_FAILED', retriable: true });
  });

  it('a catch-up fetches in a worker only with workerMinOffsets or more offsets ahead of it', async () => {
    const appender = await startedAppender(`threshold${suffix}`);
    await appender.append(Array.from({ length: 6 }, (_, n) => orderMutation(`h${n}`, 1, n)));
    const reading = async (options: { workerMinOffsets?: number; fromOffset?: number }): Promise<boolean> => {
      let delivered = 0;
      const reader = readerOf('threshold', {
        workerMinOffsets: WORKER_MIN_OFFSETS, // the default, not this block's 0
        ...options,
        onMutation: () => delivered++,
      });
      await reader.readToEnd();
      expect(delivered).toBe(6 - (options.fromOffset ?? 0));
      return reader.fetchedInWorker;
    };
    const worker = fetchInWorker !== undefined;
    // 7 offsets: the 6 records and their transaction's commit marker.
    expect(await reading({})).toBe(false); // under the default threshold
    expect(await reading({ workerMinOffsets: 7 })).toBe(worker);
    expect(await reading({ workerMinOffsets: 8 })).toBe(false);
    expect(await reading({ workerMinOffsets: 6, fromOffset: 2 })).toBe(false);
    expect(await reading({ workerMinOffsets: 5, fromOffset: 2 })).toBe(worker);
  });

  it('stop() during a read rejects it with LogReadError, and nothing is delivered afterwards', async () => {
    const appender = await startedAppender(`stopped${suffix}`);
    await appender.append(Array.from({ length: 3000 }, (_, n) => orderMutation(`s${n}`, 1, n)));
    let delivered = 0;
    const reader = readerOf('stopped', { onMutation: () => delivered++ });
    const read = reader.readToEnd();
    await reader.stop();
    await expect(read).rejects.toBeInstanceOf(LogReadError);
    const atRejection = delivered;
    await new Promise((r) => setTimeout(r, 500));
    expect(delivered).toBe(atRejection);
    expect(delivered).toBeLessThan(3000);
  });
});
