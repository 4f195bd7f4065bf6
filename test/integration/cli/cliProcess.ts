import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(REPO_ROOT, 'bin', 'spacelog.js');

/** How a CLI run ended, with everything it printed. */
export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `node bin/spacelog.js ...args` as a user runs it (the compiled CLI in dist/, which `npm test`
 * builds in pretest). Collects stdout lines; `exited` resolves when the process ends.
 */
export class CliProcess {
  readonly exited: Promise<CliExit>;
  private readonly child: ChildProcess;
  private stdout = '';
  private stderr = '';

  constructor(args: readonly string[], env: Readonly<Record<string, string>> = {}) {
    if (!existsSync(path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) {
      throw new Error('dist/src/cli/main.js is missing: run npx tsc -p tsconfig.json (npm test does it)');
    }
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) =>
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }),
      ),
    );
  }

  /** Complete stdout lines so far. */
  lines(): string[] {
    return this.stdout.split('\n').slice(0, -1);
  }

  /** True once the process has ended. */
  get done(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Sends a signal (SIGINT / SIGTERM for a clean stop). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Guard for afterAll: kills the process if a failed test left it running. */
  async kill(): Promise<void> {
    if (!this.done) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Runs the CLI to its end; rejects (the test fails, it does not hang) after `guardMs`. */
export async function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  guardMs = 60_000,
): Promise<CliExit> {
  const cli = new CliProcess(args, env);
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void cli.kill();
      reject(new Error(`spacelog ${args.join(' ')} did not end in ${guardMs} ms`));
    }, guardMs);
  });
  try {
    return await Promise.race([cli.exited, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A local TCP port nobody listens on (one the system just handed out and took back), to stand for
 * a broker or database that is down without touching the shared stack.
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}
