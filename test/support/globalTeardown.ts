import { Stack } from '../../docker/launcher';
import { testStackSession } from './testStackSession';
import { explainLeakedExitCode } from './tornDownWatch';

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
