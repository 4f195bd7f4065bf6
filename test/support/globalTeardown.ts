import { Stack } from '../../docker/launcher';
import { testStackSession } from './testStackSession';

/** Stops exactly what globalSetup started: its containers and the launcher services it started itself. */
export default async function globalTeardown(): Promise<void> {
  explainLeakedExitCode();
  const session = testStackSession();
  const containers = session.containers.splice(0);
  await Promise.all(containers.map((container) => container.stop()));
  const privateKafka = session.privateKafka;
  delete session.privateKafka;
  await privateKafka?.destroy();
  if (session.startedKafka || session.startedPostgres) {
    const stack = new Stack();
    if (session.startedKafka) await stack.downKafka();
    if (session.startedPostgres) await stack.downPostgres();
    session.startedKafka = false;
    session.startedPostgres = false;
  }
}

/**
 * On a 2-core machine jest runs the suites in its own process, and sets process.exitCode to 1 when a
 * test file's leftovers (a client it did not close) load a module after the file ended: `npm test`
 * then exits 1 with every test passed. Says so at the end of the output, where it is read.
 */
function explainLeakedExitCode(): void {
  const code = process.exitCode;
  if (code === undefined || code === 0 || code === '0') return;
  const holder = globalThis as unknown as Record<string, boolean | undefined>;
  if (holder.__spacelogExitCodeExplained === true) return;
  holder.__spacelogExitCodeExplained = true;
  process.stderr.write(
    `\n[spacelog tests] the run will exit ${code} even if every test passed: something ran on after its ` +
      `test file ended (jest's "after the Jest environment has been torn down" error above names the ` +
      `file). Close what that file starts (clients, consumers, timers) before it ends.\n`,
  );
}
