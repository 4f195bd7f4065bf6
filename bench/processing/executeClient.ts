/**
 * The remote client of case 3 (bench/processing.ts), a child process: `node executeClient.js
 * <endpoint> <rounds>`. Per round, one call at a time for a fixed time each: `read` by id (routed)
 * and `execute` of the trivial task routed to the same partitions, in alternating order; it sends
 * the rounds' figures to the parent.
 */
import { RemoteSpace } from '../../src/client/RemoteSpace';
import { rng } from '../orders';
import { progress } from '../report';
import {
  type ExecuteRound,
  PING_TASK,
  readKeys,
  RESIDENT,
  sequential,
  type Timed,
  UNIT_SPACE,
} from './common';

const ROUND_MS = Number(process.env.BENCH_EXECUTE_ROUND_MS ?? 1500) || 1500;
const KEYS = 1 << 16;

async function main(): Promise<void> {
  const [endpoint, rounds] = process.argv.slice(2);
  const space = await RemoteSpace.connect({ bootstrap: [endpoint!], space: UNIT_SPACE });
  const keys = readKeys(RESIDENT, KEYS, rng(9));
  const calls = {
    read: async (n: number): Promise<void> => {
      const i = n % KEYS;
      const found = await space.read('Order', { id: keys.ids[i]! }, { routing: keys.routings[i] });
      if (found === null) throw new Error(`bench consistency: ${keys.ids[i]} not found`);
    },
    execute: async (n: number): Promise<void> => {
      const result = await space.execute<number>(PING_TASK, null, { routing: keys.routings[n % KEYS] });
      if (result !== 1) throw new Error(`bench consistency: ping answered ${String(result)}`);
    },
  };
  try {
    progress('execute vs read: warm-up');
    await sequential(1000, calls.read);
    await sequential(1000, calls.execute);
    const out: ExecuteRound[] = [];
    for (let round = 0; round < Number(rounds); round++) {
      const first = round % 2 === 0 ? 'read' : 'execute';
      const figures: Partial<Record<'read' | 'execute', Timed>> = {};
      for (const name of first === 'read' ? (['read', 'execute'] as const) : (['execute', 'read'] as const)) {
        global.gc?.();
        figures[name] = await sequential(ROUND_MS, calls[name]);
      }
      const r = { read: figures.read!, execute: figures.execute! };
      progress(
        `execute round ${round + 1}: read p50 ${r.read.p50} / p99 ${r.read.p99} ms, ` +
          `execute p50 ${r.execute.p50} / p99 ${r.execute.p99} ms`,
      );
      out.push(r);
    }
    process.send!({ rounds: out });
  } finally {
    await space.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.send?.({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  },
);
