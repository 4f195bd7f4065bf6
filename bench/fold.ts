/**
 * Warm-up core benchmark, without Kafka: N Orders (default 1,000,000) encoded by the product's
 * MutationCodec into records of 4 partitions, then, timed, the warm-up's own work on them: decode
 * every record and fold it into its partition's engine (`SpaceEngine.applyReplicated`, then the
 * end of the warm-up). Cases: `decode` (the codec alone), `decode-and-fold`. It isolates what the
 * product adds to kafkajs fetching in `npm run bench -- warmup`.
 * Usage: node --max-old-space-size=8192 dist/bench/fold.js [N]
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { partitionOf } from '../src/api/partitionOf';
import type { LogRecord } from '../src/log/codec/LogTypes';
import { SpaceEngine } from '../src/space/SpaceEngine';
import { loadTypes, orderCodec, writeMutation } from './kafkaBench';
import { makeOrder, rng } from './orders';
import { emit, progress } from './report';

const N = Number(process.argv[2] ?? 1_000_000);
const PARTITIONS = 4;

function gc(): void {
  (global as { gc?: () => void }).gc?.();
}

function cpuSince(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
}

function main(): void {
  const types = loadTypes();
  const codec = orderCodec(types);
  const random = rng(5);
  const logs: LogRecord[][] = Array.from({ length: PARTITIONS }, () => []);
  for (let i = 0; i < N; i++) {
    const order = makeOrder(i, random);
    const encoded = codec.encode(writeMutation(order, 'bench-fold'));
    const headers: Record<string, Buffer> = {};
    for (const [name, value] of Object.entries(encoded.headers)) headers[name] = Buffer.from(value);
    logs[partitionOf(order.customerId, PARTITIONS)]!.push({ ...encoded, headers });
  }
  progress(`${N} records encoded`);

  gc();
  let started = process.hrtime.bigint();
  let decoded = 0;
  for (const log of logs) for (const record of log) decoded += codec.decode(record).version;
  let seconds = Number(process.hrtime.bigint() - started) / 1e9;
  emit({ bench: 'fold', case: `decode-${N}`, value: Math.round(decoded / seconds), unit: 'records/s' });

  gc();
  const engines = logs.map((_, partition) => new SpaceEngine({ types, origin: 'fold', partition }));
  for (const engine of engines) engine.beginBulkLoad();
  // BENCH_CPU_PROF=<file> profiles the decode-and-fold case alone.
  const profile = process.env.BENCH_CPU_PROF;
  const session = profile ? new Session() : undefined;
  session?.connect();
  session?.post('Profiler.enable');
  session?.post('Profiler.start');
  const cpu = process.cpuUsage();
  started = process.hrtime.bigint();
  // Interleaved like the warm-up's four scanners: a batch of each partition in turn.
  const BATCH = 2000;
  for (let at = 0; at < N; at += BATCH) {
    logs.forEach((log, partition) => {
      const engine = engines[partition]!;
      const end = Math.min(log.length, at + BATCH);
      for (let i = at; i < end; i++) engine.applyReplicated(codec.decode(log[i]!));
    });
  }
  const indexing = process.hrtime.bigint();
  for (const engine of engines) engine.endBulkLoad();
  const indexSeconds = Number(process.hrtime.bigint() - indexing) / 1e9;
  seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = cpuSince(cpu);
  session?.post('Profiler.stop', (error, result) => {
    if (!error && profile) writeFileSync(profile, JSON.stringify(result.profile));
    session.disconnect();
  });
  const resident = engines.reduce((n, e) => n + e.size, 0);
  if (resident !== N) throw new Error(`folded ${resident} entries, expected ${N}`);
  emit({
    bench: 'fold',
    case: `decode-and-fold-${N}-orders-${PARTITIONS}-partitions`,
    value: Math.round(N / seconds),
    unit: 'entries/s',
    seconds: Math.round(seconds * 1000) / 1000,
    cpu_seconds: Math.round(cpuSeconds * 1000) / 1000,
    // Of `seconds`: building the indexes in bulk once the records are applied.
    index_build_seconds: Math.round(indexSeconds * 1000) / 1000,
  });
}

main();
