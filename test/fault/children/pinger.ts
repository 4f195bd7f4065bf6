/**
 * The well-behaved client of the hostile-client fault test, in its own process so that the attackers'
 * work in the test process does not slow its clock: reads one entry by id every `intervalMs` (on a
 * fixed schedule, so a stall delays several reads and each counts), until the parent sends
 * `{ stop: true }`; then sends `{ latencies, errors }` and exits.
 * argv: endpoint space id routing intervalMs
 */
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { onParentMessage, sendToParent } from '../../support/childSide';

const [endpoint = '', space = '', id = '', routing = '', intervalText = '100'] = process.argv.slice(2);

async function main(): Promise<void> {
  const client = await RemoteSpace.connect({ bootstrap: [endpoint], space, requestTimeout: 30_000 });
  const latencies: number[] = [];
  const errors: string[] = [];
  const running = new Set<Promise<void>>();
  const ping = (): void => {
    const started = performance.now();
    const done = client.read('Order', { id }, { routing }).then(
      (found) => {
        latencies.push(performance.now() - started);
        if (found === null) errors.push(`read of ${id} found nothing`);
      },
      (error: unknown) => {
        latencies.push(performance.now() - started);
        errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      },
    );
    running.add(done);
    void done.finally(() => running.delete(done));
  };
  const interval = Number(intervalText);
  const startedAt = performance.now();
  let tick = 0;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    tick++;
    timer = setTimeout(
      () => {
        ping();
        schedule();
      },
      Math.max(0, startedAt + tick * interval - performance.now()),
    );
  };
  schedule();
  sendToParent({ ready: true });
  await new Promise<void>((resolve) => onParentMessage((m) => m.stop === true && resolve()));
  clearTimeout(timer);
  await Promise.all(running);
  sendToParent({ latencies, errors });
  await client.close();
  process.disconnect?.();
}

main().catch((error: unknown) => {
  sendToParent({ failed: String(error) });
  process.exit(1);
});
