import { ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root (this file is test/support/childProcess.ts, or its copy under dist/). */
const REPO_ROOT =
  path.basename(path.resolve(__dirname, '..', '..')) === 'dist'
    ? path.resolve(__dirname, '..', '..', '..')
    : path.resolve(__dirname, '..', '..');

/** How a child process ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A JSON message from a child (over IPC, or one JSON object per stdout line). */
export type ChildMessage = Record<string, unknown>;

/**
 * The compiled JavaScript of a TypeScript file in the repository: `test/support/fixtures/echoChild.ts`
 * → `<repo>/dist/test/support/fixtures/echoChild.js`. Child processes run compiled code (`npm test`
 * builds it first, in `pretest`), so they start fast and behave as in production.
 */
export function distScript(sourcePath: string): string {
  const relative = path.isAbsolute(sourcePath) ? path.relative(REPO_ROOT, sourcePath) : sourcePath;
  const compiled = path.join(REPO_ROOT, 'dist', relative.replace(/\.ts$/, '.js'));
  if (!existsSync(compiled)) {
    throw new Error(`${compiled} does not exist: run npm run build (npm test does it in pretest)`);
  }
  return compiled;
}

/**
 * A child Node process running a compiled script, talking to the test over IPC (`process.send`) or
 * stdout JSON lines (both arrive as messages). Kill it with SIGKILL to simulate a crash.
 */
export class ChildHandle {
  /** Every message received so far, in order. */
  readonly messages: ChildMessage[] = [];
  /** Resolves when the process has exited. */
  readonly exited: Promise<ChildExit>;
  private stderrText = '';
  private stdoutBuffer = '';
  private waiters: { predicate: (m: ChildMessage) => boolean; resolve: (m: ChildMessage) => void }[] = [];

  constructor(private readonly child: ChildProcess) {
    child.on('message', (message) => this.receive(message as ChildMessage));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.readStdout(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderrText += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The child's PID. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** What the child wrote to stderr so far (for failure messages). */
  get stderr(): string {
    return this.stderrText;
  }

  /** Sends a message over IPC. */
  send(message: ChildMessage): void {
    this.child.send(message);
  }

  /**
   * The first message (already received or still to come) matching `predicate`. Rejects if the child
   * exits first or `timeoutMs` passes (a guard against hanging, not a timing assertion).
   */
  nextMessage(
    predicate: (m: ChildMessage) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<ChildMessage> {
    const seen = this.messages.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching message from child ${this.pid} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const waiter = {
        predicate,
        resolve: (message: ChildMessage) => {
          clearTimeout(timer);
          resolve(message);
        },
      };
      this.waiters.push(waiter);
      void this.exited.then((exit) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `child ${this.pid} exited (${exit.signal ?? exit.code}) before the message; stderr: ${this.stderrText}`,
          ),
        );
      });
    });
  }

  /** Kills the child with SIGKILL (no clean-up runs in it, like a crash) and waits for it to be gone. */
  async kill(): Promise<ChildExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  private receive(message: ChildMessage): void {
    this.messages.push(message);
    const waiters = this.waiters.filter((w) => w.predicate(message));
    this.waiters = this.waiters.filter((w) => !w.predicate(message));
    for (const waiter of waiters) waiter.resolve(message);
  }

  private readStdout(chunk: string): void {
    this.stdoutBuffer += chunk;
    let newline = this.stdoutBuffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.stdoutBuffer.slice(0, newline).trim();
      this.stdoutBuffer = this.stdoutBuffer.slice(newline + 1);
      if (line.startsWith('{')) {
        try {
          this.receive(JSON.parse(line) as ChildMessage);
        } catch {
          // Not JSON after all: ordinary output, ignored.
        }
      }
      newline = this.stdoutBuffer.indexOf('\n');
    }
  }
}

/**
 * Starts `node <compiled script> ...args` with an IPC channel. `script` is a repository path of a
 * TypeScript file (mapped to dist/ by {@link distScript}) or an absolute .js path. The child inherits
 * the test's environment (so SPACELOG_KAFKA_BROKERS / SPACELOG_DATABASE_URL), plus `env`.
 */
export function spawnChild(
  script: string,
  args: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): ChildHandle {
  const file = script.endsWith('.js') && path.isAbsolute(script) ? script : distScript(script);
  const child = fork(file, [...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return new ChildHandle(child);
}
