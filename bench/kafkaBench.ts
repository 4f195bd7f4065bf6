/**
 * Shared plumbing of the Kafka benchmarks: brokers from the environment, a unique topic prefix per
 * run, the Order codec (the product's own MutationCodec) and a timed closed-loop runner.
 */
import * as path from 'node:path';
import type { Kafka } from 'kafkajs';
import { kafkaOn } from '../src/log/connection/openKafka';
import { resolveKafkaConnection } from '../src/log/connection/resolveKafkaConnection';
import { MutationCodec } from '../src/log/codec/MutationCodec';
import { SchemaLoader } from '../src/schema/SchemaLoader';
import type { TypeRegistry } from '../src/schema/TypeRegistry';
import type { Mutation } from '../src/space/Mutation';
import { percentile } from './report';

export const SCHEMAS = path.resolve(__dirname, '../../schemas/examples');
/** Where the benchmarks' Kafka is and how to reach it: SPACELOG_KAFKA_* (TLS, SASL included). */
export const CONNECTION = resolveKafkaConnection(undefined, { clientId: 'spacelog-bench' });
export const BROKERS = CONNECTION.brokers;

/** A topic prefix no other run uses. */
export function uniquePrefix(bench: string): string {
  return `bench-${bench}-${process.pid}-${Date.now().toString(36)}`;
}

export function kafkaClient(clientId: string): Kafka {
  return kafkaOn(CONNECTION, { clientId }).kafka;
}

export function loadTypes(): TypeRegistry {
  return SchemaLoader.loadFolder(SCHEMAS);
}

/** A codec for the example types (encoding needs no writer schemas). */
export function orderCodec(types: TypeRegistry): MutationCodec {
  return new MutationCodec({ types: [...types] });
}

/** The WRITE mutation a primary builds for a new entry (version 1, no lease). */
export function writeMutation(state: Record<string, unknown>, origin: string): Mutation {
  return {
    op: 'WRITE',
    type: 'Order',
    id: String(state.id),
    version: 1,
    leaseExpiresAt: null,
    timestamp: Date.now(),
    origin,
    state,
  };
}

/** What a closed-loop run measured. */
export interface LoopResult {
  readonly opsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly ops: number;
  /** CPU time of this process (all threads) per measured operation, microseconds. */
  readonly cpuUsPerOp: number;
}

/**
 * Runs `writers` concurrent loops of `op` (each awaits its own operation before the next) for
 * `warmupMs` unmeasured, then `measureMs` measured; returns throughput and latency percentiles.
 */
export async function closedLoop(
  writers: number,
  warmupMs: number,
  measureMs: number,
  op: (writer: number, n: number) => Promise<unknown>,
): Promise<LoopResult> {
  const latencies: number[] = [];
  let measuring = false;
  let stop = false;
  let ops = 0;
  let n = 0;
  const loop = async (w: number): Promise<void> => {
    while (!stop) {
      const started = process.hrtime.bigint();
      await op(w, n++);
      if (measuring && !stop) {
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        ops++;
      }
    }
  };
  const loops = Array.from({ length: writers }, (_, w) => loop(w));
  await sleep(warmupMs);
  measuring = true;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await sleep(measureMs);
  stop = true;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const counted = ops;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(loops);
  return {
    opsPerSecond: Math.round(counted / seconds),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ops: counted,
    cpuUsPerOp: Math.round(((cpu.user + cpu.system) / Math.max(counted, 1)) * 10) / 10,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
