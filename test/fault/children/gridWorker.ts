/**
 * A crash-test child: starts an in-process grid and runs a sync-mode write / change / take load,
 * printing one JSON line per ACKNOWLEDGED operation on stdout. The parent kills it with SIGKILL.
 * argv: prefix space partitions round seed
 */
import * as path from 'node:path';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { randomFrom } from '../../support/seededRandom';

const [prefix = '', space = '', partitionsText = '3', roundText = '0', seedText = '0'] =
  process.argv.slice(2);
const round = Number(roundText);
// Targets come from the parent's printed seed, so a failing round can be replayed.
const random = randomFrom(Number(seedText) + round);
const schemas = path.resolve(__dirname, '../../../../schemas/examples');

function say(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const grid = await LocalGrid.start({
    space,
    partitions: Number(partitionsText),
    schemas,
    prefix,
    lingerMs: 1,
    // Each restart warms up in a worker thread, however short the logs are.
    warmUpInWorker: true,
  });
  say({ ready: true });
  const written: { id: string; customerId: string }[] = [];
  let n = 0;
  const worker = async (w: number): Promise<void> => {
    for (;;) {
      const pick = n % 5;
      n++;
      if (pick < 3 || written.length < 10) {
        const id = `o-${round}-${w}-${n}`;
        const customerId = `c-${n % 13}`;
        const r = await grid.space.write('Order', {
          id,
          customerId,
          status: 'NEW',
          total: n,
          createdAt: 1_700_000_000_000 + n,
          shipping: { city: 'Oslo', zip: '0150' },
          lines: [{ sku: 'sku-1', quantity: 1, price: n }],
          note: null,
        });
        written.push({ id, customerId });
        say({ op: 'write', id, version: r.version });
      } else if (pick === 3) {
        const target = written[random.between(0, written.length)]!;
        const r = await grid.space.change(
          'Order',
          { id: target.id },
          [{ op: 'increment', path: 'total', by: 1 }],
          {
            routing: target.customerId,
          },
        );
        for (const c of r.changed) say({ op: 'change', id: c.id, version: c.version });
      } else {
        const index = random.between(0, written.length);
        const target = written.splice(index, 1)[0]!;
        say({ op: 'taking', id: target.id }); // before the take: an unacknowledged take may still remove it
        const taken = await grid.space.take('Order', { id: target.id }, { routing: target.customerId });
        // A take by id of an acknowledged entry that finds nothing is a loss: the parent counts it.
        say({ op: taken ? 'take' : 'take-null', id: target.id });
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
}

main().catch((error: unknown) => {
  say({ error: String(error) });
  process.exit(1);
});
