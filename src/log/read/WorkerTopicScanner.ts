import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { LogReadError, SpacelogError } from '../../errors';
import { fromErrorRecord, type ErrorRecord } from '../../errors/errorRecord';
import { packageRoot } from '../../packageRoot';
import type { KafkaConnection } from '../connection/KafkaConnection';
import { toWorkerConnection, type WorkerKafkaConnection } from '../connection/workerConnection';
import type { LogEndOffsets } from './logEndOffsets';
import type { PackedRecords } from './packedRecords';

/** @internal What the worker is started with. */
export interface ScanWorkerData {
  /** Where the worker connects (a kafkajs client cannot cross threads, its settings can). */
  readonly connection: WorkerKafkaConnection;
  readonly topic: string;
  readonly fromOffset?: number;
  readonly maxBytes?: number;
  /** The log's offsets, asked just before the scan (see TopicScannerOptions.offsets). */
  readonly offsets?: LogEndOffsets;
  /** Fetched batches in flight (posted, not yet folded) at most. */
  readonly window: number;
}

/** @internal What the worker posts, in order. */
export type ScanWorkerMessage =
  | { readonly kind: 'records'; readonly packed: PackedRecords }
  | { readonly kind: 'position'; readonly position: number; readonly endOffset: number }
  | { readonly kind: 'done'; readonly position: number }
  | { readonly kind: 'error'; readonly error: ErrorRecord }
  /** The worker authenticates with OAUTHBEARER and needs a token from this thread's callback. */
  | { readonly kind: 'token-request'; readonly id: number };

/** @internal What the folding thread posts to the worker. */
export type ScanParentMessage =
  | 'credit'
  | { readonly kind: 'token'; readonly id: number; readonly value: string }
  | { readonly kind: 'token-error'; readonly id: number; readonly message: string };

/** How to scan one topic to its end in a worker thread. @internal */
export interface WorkerTopicScannerOptions {
  readonly connection: KafkaConnection;
  /** The compiled worker script (see `WorkerTopicScanner.script()`). */
  readonly script: string;
  readonly topic: string;
  readonly fromOffset?: number;
  readonly maxBytes?: number;
  /** The log's offsets, asked just before the scan (see TopicScannerOptions.offsets). */
  readonly offsets?: LogEndOffsets;
  /** Each fetched batch, in offset order; the next one waits until this settles. */
  readonly onRecords: (packed: PackedRecords) => void | Promise<void>;
  readonly onPosition?: (position: number, endOffset: number) => void;
}

/** Batches a worker fetches ahead of the fold: enough to keep both threads busy. */
const WINDOW = 4;
/**
 * Fetch bound in a worker. kafkajs decodes a whole fetch before handing any of it over, so the
 * fold waits for the first fetch: small fetches start it sooner and keep both threads busy.
 */
const WORKER_FETCH_MAX_BYTES = 4 * 1024 * 1024;

/**
 * @internal
 * Scan workers running at once in this process: each is a thread with its own heap and connections,
 * and the fold on the main thread is the bottleneck beyond a few. More scans wait for a slot.
 */
export const MAX_SCAN_WORKERS = Math.max(4, 2 * availableParallelism());
let runningScans = 0;
const waitingScans: (() => void)[] = [];

/** @internal Takes a worker slot (waiting for one); the function returned gives it back (hands it to the next). */
export async function scanSlot(): Promise<() => void> {
  if (runningScans < MAX_SCAN_WORKERS) runningScans++;
  else await new Promise<void>((resolve) => waitingScans.push(resolve));
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    const next = waitingScans.shift();
    if (next) next();
    else runningScans--;
  };
}

/**
 * @internal
 * A read_committed scan of a topic up to its end (what {@link TopicScanner} does without `follow`)
 * with the fetching and kafkajs's record decoding in a worker thread, so a warm-up uses a second
 * core: the worker fetches the next batches while this thread decodes and folds the last one.
 * Records arrive in offset order, each batch once, and the scan resolves only once every batch
 * up to the end has been handed to `onRecords` and settled.
 */
export class WorkerTopicScanner {
  private next: number;
  private worker: Worker | undefined;
  private stopped = false;

  constructor(private readonly options: WorkerTopicScannerOptions) {
    this.next = options.fromOffset ?? 0;
  }

  /** The compiled worker script, or undefined when there is none (run from TypeScript sources without a build). */
  static script(): string | undefined {
    const candidates = [path.join(__dirname, 'topicScanWorker.js')];
    try {
      candidates.push(path.join(packageRoot(), 'dist', 'src', 'log', 'read', 'topicScanWorker.js'));
    } catch {
      // No package root: only the script next to this module counts.
    }
    return candidates.find((file) => existsSync(file));
  }

  /** Next offset to read: past every batch folded so far. */
  get position(): number {
    return this.next;
  }

  /** Scans to the end; resolves once caught up (the worker has exited). */
  async start(): Promise<void> {
    const release = await scanSlot();
    try {
      if (this.stopped) throw this.stoppedEarly();
      await this.scan();
    } finally {
      release();
    }
  }

  private scan(): Promise<void> {
    const { options } = this;
    const data: ScanWorkerData = {
      connection: toWorkerConnection(options.connection),
      topic: options.topic,
      window: WINDOW,
      ...(options.fromOffset === undefined ? {} : { fromOffset: options.fromOffset }),
      ...(options.offsets === undefined ? {} : { offsets: options.offsets }),
      maxBytes: Math.min(options.maxBytes ?? WORKER_FETCH_MAX_BYTES, WORKER_FETCH_MAX_BYTES),
    };
    const worker = new Worker(options.script, { workerData: data });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: SpacelogError): void => {
        if (settled) return;
        settled = true;
        void this.terminate();
        if (error) reject(error);
        else resolve();
      };
      // Messages are handled one after another: a batch is folded before the positions after it.
      let chain = Promise.resolve();
      worker.on('message', (message: ScanWorkerMessage) => {
        // A token is asked for while a fetch waits on it: answered at once, not behind queued batches.
        if (message.kind === 'token-request') return this.answerToken(worker, message.id);
        chain = chain
          .then(() => this.handle(message, worker))
          .then(
            (done) => {
              if (done) finish();
            },
            (error: unknown) => finish(this.asReadError(error)),
          );
      });
      // The thread itself failed (not the read, which posts its typed error): say how to do without it.
      worker.on('error', (error) => finish(this.workerFailed(String(error), error)));
      worker.on('exit', (code) => {
        // A clean end posts `done` first; its handling may still be queued behind the last batch.
        void chain.then(() =>
          finish(
            this.stopped ? this.stoppedEarly() : this.workerFailed(`exited (${code}) before catching up`),
          ),
        );
      });
    });
  }

  /** Stops the scan (idempotent); a pending `start()` rejects. The worker's connections close with it. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.terminate();
  }

  private async handle(message: ScanWorkerMessage, worker: Worker): Promise<boolean> {
    if (this.stopped) return false;
    switch (message.kind) {
      case 'records':
        await this.options.onRecords(message.packed);
        worker.postMessage('credit' satisfies ScanParentMessage);
        return false;
      case 'position':
        this.next = Math.max(this.next, message.position);
        this.options.onPosition?.(message.position, message.endOffset);
        return false;
      case 'done':
        this.next = Math.max(this.next, message.position);
        return true;
      case 'error':
        throw fromErrorRecord(message.error);
      case 'token-request':
        return false; // answered as it arrives, never queued
    }
  }

  /** Calls the connection's OAUTHBEARER callback here, where it was given, for the worker. */
  private answerToken(worker: Worker, id: number): void {
    const sasl = this.options.connection.sasl;
    const provider =
      sasl !== undefined && 'oauthBearerProvider' in sasl ? sasl.oauthBearerProvider : undefined;
    const post = (message: ScanParentMessage): void => {
      if (this.worker === worker) worker.postMessage(message);
    };
    if (provider === undefined) {
      post({ kind: 'token-error', id, message: 'no oauthBearerProvider on this connection' });
      return;
    }
    provider().then(
      (token) => post({ kind: 'token', id, value: token.value }),
      (error: unknown) => post({ kind: 'token-error', id, message: String(error) }),
    );
  }

  private workerFailed(what: string, cause?: unknown): LogReadError {
    return new LogReadError(
      `the scan worker thread of ${this.options.topic} failed: ${what}; the warm-up is retried (warmUpInWorker: false reads on the main thread)`,
      cause === undefined ? {} : { cause },
    );
  }

  private stoppedEarly(): LogReadError {
    return new LogReadError(`scan of ${this.options.topic} stopped before catching up`);
  }

  private asReadError(error: unknown): SpacelogError {
    if (error instanceof SpacelogError) return error;
    return new LogReadError(`reading ${this.options.topic} failed: ${String(error)}`, { cause: error });
  }

  private async terminate(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate().catch(() => undefined);
  }
}
