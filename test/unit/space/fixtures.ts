import * as path from 'node:path';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { TypeRegistry } from '../../../src/schema/TypeRegistry';
import type { Mutation } from '../../../src/space/Mutation';
import { SpaceEngine } from '../../../src/space/SpaceEngine';
import type { MutationSink, SpaceEngineOptions } from '../../../src/space/SpaceEngineOptions';

export const SCHEMAS = path.resolve(__dirname, '../../../schemas/examples');

let registry: TypeRegistry | undefined;
/** The example types (Customer, Product, Order, Payment), loaded once. */
export function exampleTypes(): TypeRegistry {
  registry ??= SchemaLoader.loadFolder(SCHEMAS);
  return registry;
}

/** A fake clock the test moves by hand. */
export class FakeClock {
  constructor(public now = 1_700_000_000_000) {}
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

/** A sink that records every append and can be made to fail or to hold appends. */
export class RecordingSink implements MutationSink {
  readonly log: Mutation[] = [];
  /** Each append's mutations (what commits together). */
  readonly appends: Mutation[][] = [];
  failWith: Error | undefined;
  async append(mutations: readonly Mutation[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.log.push(...mutations);
    this.appends.push([...mutations]);
  }
}

/** An engine over the example types with a fake clock and deterministic ids. */
export function newEngine(overrides: Partial<SpaceEngineOptions> = {}): {
  engine: SpaceEngine;
  clock: FakeClock;
  sink: RecordingSink;
} {
  const clock = new FakeClock();
  const sink = new RecordingSink();
  let n = 0;
  const engine = new SpaceEngine({
    types: exampleTypes(),
    origin: 'test-pu',
    clock: clock.read,
    sink,
    nextId: () => `gen-${++n}`,
    ...overrides,
  });
  return { engine, clock, sink };
}

/** A valid Order; fields can be overridden. */
export function order(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    customerId: 'c1',
    status: 'NEW',
    total: 100,
    createdAt: 1_700_000_000_000,
    shipping: { city: 'Paris', zip: '75001' },
    lines: [{ sku: 'sku-1', quantity: 1, price: 100 }],
    ...overrides,
  };
}

/** A comparable snapshot of a whole engine state (entries with bookkeeping, sorted). */
export function snapshot(engine: SpaceEngine): unknown[] {
  return [...engine.entries()].sort((a, b) => (a.type + a.id < b.type + b.id ? -1 : 1));
}
