import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { ChildMessage, ParentMessage, ServerChildSecurity } from './serverChild';

/** The serving child process, seen from the bench. */
export interface ServerProcess {
  /** The plain TCP server. */
  readonly endpoint: string;
  /** The TLS + password server over the same grid, when asked for. */
  readonly tlsEndpoint: string | undefined;
  /** The child's CPU time so far (user + system), microseconds. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** Forks bench/remote/serverChild and waits until its servers listen. */
export async function startServerProcess(
  prefix: string,
  security?: ServerChildSecurity,
): Promise<ServerProcess> {
  const args = security ? [prefix, JSON.stringify(security)] : [prefix];
  const child = fork(join(__dirname, 'serverChild.js'), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Extract<ChildMessage, { kind: 'ready' }>>((resolve, reject) => {
    child.once('message', (m: ChildMessage) => {
      if (m.kind === 'ready') resolve(m);
      else reject(new Error(`server child said ${m.kind} before ready`));
    });
    child.once('exit', (code) => reject(new Error(`server child exited with ${String(code)}`)));
  });
  const tell = (message: ParentMessage): void => {
    child.send(message);
  };
  return {
    endpoint: ready.endpoint,
    tlsEndpoint: ready.tlsEndpoint,
    cpuMicros: () =>
      new Promise((resolve) => {
        child.once('message', (m: ChildMessage) => resolve(m.kind === 'cpu' ? m.micros : NaN));
        tell({ kind: 'cpu' });
      }),
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        tell({ kind: 'stop' });
      }),
  };
}
