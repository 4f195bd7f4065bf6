import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One JSON line a crash-test worker printed: `{ ready: true }`, `{ error }`, or its own acknowledgements. */
export type WorkerLine = Record<string, unknown> & { readonly ready?: boolean; readonly error?: string };

/**
 * Runs a compiled worker script, SIGKILLs it `killAfterMs` after it prints `{"ready":true}`, and hands
 * every other JSON line it printed to `onLine` (pipes are synchronous on Linux, so a line the worker
 * wrote before the kill arrives). Rejects if the worker reported an error or ended any other way.
 */
export function killAfterReady(
  script: string,
  args: readonly string[],
  killAfterMs: number,
  onLine: (line: WorkerLine) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let failure: string | undefined;
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as WorkerLine;
      if (line.ready) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      else if (line.error !== undefined) failure = line.error;
      else onLine(line);
    });
    child.on('exit', (_code, signal) => {
      if (failure) reject(new Error(`worker failed: ${failure}`));
      else if (signal !== 'SIGKILL')
        reject(new Error(`worker exited without being killed (${String(signal)})`));
      else resolve();
    });
  });
}
