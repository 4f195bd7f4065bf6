import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LogReadError, VersionConflictError } from '../../../src/errors';
import { WorkerTopicScanner } from '../../../src/log/read/WorkerTopicScanner';

describe('WorkerTopicScanner when its worker thread fails', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'spacelog-scan-worker-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const scanner = (script: string): WorkerTopicScanner =>
    new WorkerTopicScanner({
      connection: { brokers: ['127.0.0.1:1'], clientId: 'unit' },
      script,
      topic: 'never.read.0',
      onRecords: () => {
        throw new Error('no batch can arrive');
      },
    });

  /** What the scan rejected with (undefined if it caught up). */
  const failureOf = (s: WorkerTopicScanner): Promise<unknown> =>
    s.start().then(
      () => undefined,
      (e: unknown) => e,
    );

  it('a worker that cannot load rejects with a typed LogReadError saying how to do without it', async () => {
    const broken = path.join(dir, 'broken.js');
    writeFileSync(broken, "throw new Error('module failed to load');\n");
    const error = await failureOf(scanner(broken));
    expect(error).toBeInstanceOf(LogReadError);
    expect(error).toMatchObject({ retriable: true });
    expect((error as Error).message).toMatch(
      /scan worker thread of never\.read\.0 failed: .*module failed to load/,
    );
    expect((error as Error).message).toMatch(/warmUpInWorker: false/);
  });

  it('a typed error the worker posts arrives as the same class, with its fields', async () => {
    const script = WorkerTopicScanner.script();
    if (script === undefined) throw new Error('dist/ is not built: run npm run build');
    // The compiled ErrorRecord module beside the worker script, as the real worker loads it.
    const records = JSON.stringify(path.join(path.dirname(script), '..', '..', 'errors', 'errorRecord.js'));
    const errors = JSON.stringify(path.join(path.dirname(script), '..', '..', 'errors', 'index.js'));
    const posts = path.join(dir, 'posts-error.js');
    writeFileSync(
      posts,
      `const { parentPort } = require('node:worker_threads');
const { toErrorRecord } = require(${records});
const { VersionConflictError } = require(${errors});
const error = new VersionConflictError(4, 6, { entryId: 'o-9', partition: 2 });
parentPort.postMessage({ kind: 'error', error: toErrorRecord(error) });
setTimeout(() => undefined, 60_000);
`,
    );
    const error = await failureOf(scanner(posts));
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ expectedVersion: 4, actualVersion: 6, entryId: 'o-9', partition: 2 });
  });

  it('a worker that exits without finishing rejects too', async () => {
    const quits = path.join(dir, 'quits.js');
    writeFileSync(quits, 'process.exit(3);\n');
    await expect(scanner(quits).start()).rejects.toThrow(/exited \(3\) before catching up/);
  });

  it('a scan stopped before its worker started rejects as stopped', async () => {
    const idle = path.join(dir, 'idle.js');
    writeFileSync(idle, 'setTimeout(() => undefined, 60_000);\n');
    const s = scanner(idle);
    const started = s.start();
    await s.stop();
    await expect(started).rejects.toThrow(/stopped before catching up/);
  });
});
