/**
 * A crash-test child: starts an in-process grid and runs multi-partition transactions, each writing a
 * PAIR of customers on two partitions (or taking a committed pair), next to plain writes. It prints one
 * JSON line per ACKNOWLEDGED transaction on stdout; the parent kills it with SIGKILL mid-flight.
 * argv: prefix space partitions round
 */
import * as path from 'node:path';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { partitionOf } from '../../../src/api/partitionOf';

const [prefix = '', space = '', partitionsText = '3', roundText = '0'] = process.argv.slice(2);
const partitions = Number(partitionsText);
const schemas = path.resolve(__dirname, '../../../../schemas/examples');

function say(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function customer(id: string, pair: string): Record<string, unknown> {
  return {
    id,
    name: pair,
    email: `${id}@example.com`,
    city: 'Oslo',
    tier: 'GOLD',
    createdAt: 1_700_000_000_000,
  };
}

/** Two ids of one pair, routed (by id) to two different partitions. */
function pairIds(pair: string): [string, string] {
  const left = `${pair}-L`;
  for (let j = 0; ; j++) {
    const right = `${pair}-R${j}`;
    if (partitionOf(right, partitions) !== partitionOf(left, partitions)) return [left, right];
  }
}

async function main(): Promise<void> {
  const grid = await LocalGrid.start({ space, partitions, schemas, prefix, lingerMs: 1 });
  say({ ready: true });
  const committed: string[] = [];
  let n = 0;
  const worker = async (w: number): Promise<void> => {
    for (;;) {
      n++;
      if (n % 4 === 0 && committed.length > 4) {
        const pair = committed.splice(Math.floor(Math.random() * committed.length), 1)[0] as string;
        say({ op: 'taking', pair });
        await grid.space.transaction(async (tx) => {
          for (const id of pairIds(pair)) await tx.take('Customer', { id });
        });
        say({ op: 'taken', pair });
      } else if (n % 4 === 1) {
        await grid.space.write('Customer', customer(`plain-${roundText}-${w}-${n}`, 'plain'));
      } else {
        const pair = `pair-${roundText}-${w}-${n}`;
        const [left, right] = pairIds(pair);
        await grid.space.transaction(async (tx) => {
          await tx.write('Customer', customer(left, pair));
          await tx.write('Customer', customer(right, pair));
        });
        committed.push(pair);
        say({ op: 'committed', pair });
      }
    }
  };
  await Promise.all(Array.from({ length: 12 }, (_, w) => worker(w)));
}

main().catch((error: unknown) => {
  say({ error: String(error) });
  process.exit(1);
});
