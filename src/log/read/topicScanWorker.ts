/**
 * @internal
 * Worker-thread entry of {@link WorkerTopicScanner}: runs a {@link TopicScanner} over one topic
 * (kafkajs fetching and record decoding, half of a warm-up's work) and posts each fetched batch,
 * packed into one transferred buffer, to the thread that folds it. At most `window` batches are in
 * flight: the scan waits for the folding thread's credit, so a slow fold bounds the memory used.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorRecord } from '../../errors/errorRecord';
import type { OauthBearerToken } from '../connection/KafkaClientOptions';
import { kafkaOn } from '../connection/openKafka';
import { fromWorkerConnection } from '../connection/workerConnection';
import { packRecords } from './packedRecords';
import { TopicScanner } from './TopicScanner';
import type { ScanParentMessage, ScanWorkerData, ScanWorkerMessage } from './WorkerTopicScanner';

const data = workerData as ScanWorkerData;
const port = parentPort!;
const post = (message: ScanWorkerMessage, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

let credit = data.window;
let wake: (() => void) | undefined;

// OAUTHBEARER tokens of a callback come from the folding thread, which holds the callback.
const tokenWaiters = new Map<
  number,
  { resolve(token: OauthBearerToken): void; reject(error: Error): void }
>();
let nextTokenId = 0;
const askParentForToken = (): Promise<OauthBearerToken> =>
  new Promise((resolve, reject) => {
    const id = nextTokenId++;
    tokenWaiters.set(id, { resolve, reject });
    post({ kind: 'token-request', id });
  });
// The space's own client id (a grid's kafka.clientId, if it set one), kafkajs's default tuning.
const { kafka } = kafkaOn(fromWorkerConnection(data.connection, askParentForToken), {
  clientId: data.connection.clientId,
});
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

port.on('message', (message: ScanParentMessage) => {
  if (message === 'credit') {
    // One more batch may be posted.
    credit++;
    wake?.();
    wake = undefined;
    return;
  }
  const waiter = tokenWaiters.get(message.id);
  tokenWaiters.delete(message.id);
  if (message.kind === 'token') waiter?.resolve({ value: message.value });
  else waiter?.reject(new Error(`OAUTHBEARER token callback failed: ${message.message}`));
});

scanner.start().then(
  () => post({ kind: 'done', position: scanner.position }),
  (error: unknown) => post({ kind: 'error', error: toErrorRecord(error) }),
);
