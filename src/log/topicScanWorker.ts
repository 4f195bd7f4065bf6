/**
 * @internal
 * Worker-thread entry of {@link WorkerTopicScanner}: runs a {@link TopicScanner} over one topic
 * (kafkajs fetching and record decoding, half of a warm-up's work) and posts each fetched batch,
 * packed into one transferred buffer, to the thread that folds it. At most `window` batches are in
 * flight: the scan waits for the folding thread's credit, so a slow fold bounds the memory used.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Kafka, logLevel } from 'kafkajs';
import { toErrorRecord } from '../errors/errorRecord';
import { packRecords } from './packedRecords';
import { TopicScanner } from './TopicScanner';
import type { ScanWorkerData, ScanWorkerMessage } from './WorkerTopicScanner';

const data = workerData as ScanWorkerData;
const port = parentPort!;
const post = (message: ScanWorkerMessage, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

let credit = data.window;
let wake: (() => void) | undefined;
const kafka = new Kafka({ clientId: data.clientId, brokers: [...data.brokers], logLevel: logLevel.NOTHING });
const scanner = new TopicScanner({
  kafka,
  topic: data.topic,
  ...(data.fromOffset === undefined ? {} : { fromOffset: data.fromOffset }),
  ...(data.maxBytes === undefined ? {} : { maxBytes: data.maxBytes }),
  ...(data.offsets === undefined ? {} : { offsets: data.offsets }),
  onRecords: async (records) => {
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit--;
    const packed = packRecords(records);
    post({ kind: 'records', packed }, [packed.buffer]);
  },
  onPosition: (position, endOffset) => post({ kind: 'position', position, endOffset }),
});

// The only message from the folding thread: one more batch may be posted.
port.on('message', () => {
  credit++;
  wake?.();
  wake = undefined;
});

scanner.start().then(
  () => post({ kind: 'done', position: scanner.position }),
  (error: unknown) => post({ kind: 'error', error: toErrorRecord(error) }),
);
