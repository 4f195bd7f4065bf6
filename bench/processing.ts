/**
 * Processing-grid benchmark (issue 17): `npm run bench -- processing [case ...]`, cases `polling`,
 * `read`, `execute`, `notify` (default: all, in that order). One JSON line per case on stdout,
 * progress on stderr; every baseline runs in the same process and run, interleaved in rounds where
 * noise matters (BENCH_ROUNDS, default 3).
 *  1. polling: a polling container (take, handler writing one entry, commit) on a one-process grid
 *     against a hand-written `space.transaction` loop doing the same work, same loops per partition
 *     (BENCH_POLLING_CONCURRENCY, default 16; BENCH_POLLING_ORDERS per round, default 10,000).
 *  2. read: `ctx.space.read` by id in a processing unit leading every partition against
 *     `engine.read`, and against a RemoteSpace over loopback to the unit's own server.
 *  3. execute: a remote client (another process) calling a trivial task against reading by id,
 *     p50 and p99.
 *  4. notify: notify container latency, write acknowledged -> handler called, under paced writers
 *     (BENCH_NOTIFY_RATES, default 1000,10000 writes/s; BENCH_NOTIFY_MS per rate, default 8000).
 * Env: SPACELOG_KAFKA_BROKERS. Topics are deleted at the end.
 */
import { TopicAdmin } from '../src/log/admin/TopicAdmin';
import { BROKERS, kafkaClient, uniquePrefix } from './kafkaBench';
import { notifyCase } from './processing/notifyCase';
import { pollingCase } from './processing/pollingCase';
import { unitCases } from './processing/unitCases';
import { progress } from './report';

const CASES = ['polling', 'read', 'execute', 'notify'] as const;

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((c) => !(CASES as readonly string[]).includes(c));
  if (unknown.length > 0)
    throw new Error(`unknown case(s) ${unknown.join(', ')}; cases: ${CASES.join(', ')}`);
  const wanted = new Set(asked.length === 0 ? CASES : asked);
  const prefix = uniquePrefix('processing');
  progress(`brokers ${BROKERS.join(',')}, prefix ${prefix}, cases ${[...wanted].join(', ')}`);
  try {
    if (wanted.has('polling')) await pollingCase(prefix);
    if (wanted.has('read') || wanted.has('execute'))
      await unitCases(prefix, { read: wanted.has('read'), execute: wanted.has('execute') });
    if (wanted.has('notify')) await notifyCase(prefix);
  } finally {
    progress('deleting topics');
    const admin = new TopicAdmin({ kafka: kafkaClient('bench-processing'), prefix });
    await admin.deleteAll().catch((e: unknown) => progress(`could not delete topics: ${String(e)}`));
    await admin.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
