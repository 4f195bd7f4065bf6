import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { ProcessingUnit } from '../../../src/cluster/ProcessingUnit';
import type { UnitContext } from '../../../src/cluster/UnitConfig';
import { deadLetterSchema, failedEntryOf } from '../../../src/events/deadLetter';
import type { NotifyEvent } from '../../../src/events/NotifyOptions';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { Mutation } from '../../../src/space/Mutation';
import { OrderFeeder } from '../../../examples/orders-pipeline/feeder';
import {
  applyShippedEvents,
  createPipeline,
  DEAD_LETTER_TYPE,
  ORDER_TYPE,
  orderService,
  revenueOf,
  TOTAL_TYPE,
  type PipelineOrder,
  type PipelineUnit,
} from '../../../examples/orders-pipeline/services';
import { gridTestKit } from '../../support';
import { foldLog } from '../grid/foldLog';

jest.setTimeout(240_000);

const SCHEMAS = path.resolve(__dirname, '../../../examples/orders-pipeline/schemas');
const SPACE = 'shop';
const PARTITIONS = 4;
const N = 200;
const FAIL_EVERY = 20;
const MARKER = 'poison';

async function until(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The customers' totals, in cents, as the shipped orders add them up. */
function totalsOf(orders: Iterable<PipelineOrder>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const o of orders) totals.set(o.customerId, (totals.get(o.customerId) ?? 0) + o.totalCents);
  return totals;
}

describe('examples/orders-pipeline on two processing units (real Kafka)', () => {
  const kit = gridTestKit();
  const types = SchemaLoader.loadFolder(SCHEMAS);
  const units: ProcessingUnit[] = [];
  const pipelines: PipelineUnit[] = [];
  const fed: PipelineOrder[] = [];
  let client: RemoteSpace;

  const unitOptions = (unit: string) => ({
    space: SPACE,
    partitions: PARTITIONS,
    backups: 1,
    schemas: SCHEMAS,
    prefix: kit.prefix,
    kafka: { brokers: kit.brokers },
    port: 0,
    unit,
    membership: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 },
    services: {
      start: (ctx: UnitContext) => {
        pipelines.push(createPipeline({ failMarker: MARKER, failStep: 'pay', maxAttempts: 3 }).start(ctx));
      },
    },
  });

  beforeAll(async () => {
    units.push(await ProcessingUnit.start(unitOptions('a')));
    units.push(await ProcessingUnit.start(unitOptions('b')));
    await until('both units leading two partitions', () =>
      units.every((u) => u.primaries().length === PARTITIONS / 2),
    );
    client = await RemoteSpace.connect({ bootstrap: units.map((u) => u.endpoint), space: SPACE });
    const feeder = new OrderFeeder({
      space: client,
      rate: 400,
      limit: N,
      failEvery: FAIL_EVERY,
      failMarker: MARKER,
      runId: 'r1',
      onFed: (order) => fed.push(order),
    }).start();
    await feeder.done;
    expect(feeder.errors).toBe(0);
  });

  afterAll(async () => {
    await client?.close();
    await Promise.all(units.map((u) => u.close()));
    await kit.cleanup();
  });

  const marked = (): PipelineOrder[] => fed.filter((o) => o.id.includes(MARKER));
  const healthy = (): PipelineOrder[] => fed.filter((o) => !o.id.includes(MARKER));
  /** Every committed mutation of the space, read back from the partition logs once (read_committed). */
  let logRead: Promise<{ k: number; m: Mutation; offset: number }[]> | undefined;
  const log = (): Promise<{ k: number; m: Mutation; offset: number }[]> =>
    (logRead ??= (async () => {
      const records: { k: number; m: Mutation; offset: number }[] = [];
      await foldLog({
        brokers: kit.brokers,
        prefix: kit.prefix,
        space: SPACE,
        partitions: PARTITIONS,
        types,
        onMutation: (k, m, offset) => records.push({ k, m, offset }),
      });
      return records;
    })());
  const count = (type: string, template?: Record<string, unknown>): Promise<number> =>
    client.count(type, template === undefined ? undefined : { template });

  it('declares the dead-letter type the polling containers need, as deadLetterSchema generates it', () => {
    const checkedIn: unknown = JSON.parse(
      readFileSync(path.join(SCHEMAS, `${DEAD_LETTER_TYPE}.avsc`), 'utf8'),
    );
    expect(checkedIn).toEqual(deadLetterSchema(ORDER_TYPE));
  });

  it('ships every order not marked to fail and dead-letters the marked ones at the failing step', async () => {
    expect(fed).toHaveLength(N);
    expect(marked()).toHaveLength(N / FAIL_EVERY);
    await until('every order shipped or dead-lettered', async () => {
      const [shipped, letters] = await Promise.all([
        count(ORDER_TYPE, { status: 'SHIPPED' }),
        count(DEAD_LETTER_TYPE),
      ]);
      return shipped === healthy().length && letters === marked().length;
    });
    // Nothing is left half-way, and the dead letters hold the marked orders (taken from the space).
    expect(await count(ORDER_TYPE)).toBe(healthy().length);
    const letters = await client.readMultiple(DEAD_LETTER_TYPE);
    expect(letters.map((l) => String(l.entryId)).sort()).toEqual(
      marked()
        .map((o) => o.id)
        .sort(),
    );
    for (const letter of letters) {
      expect(letter).toMatchObject({ container: 'pay', errorCode: 'INJECTED_FAILURE', attempts: 3 });
      // The failed version: validated, not paid.
      expect(failedEntryOf(letter)).toMatchObject({ id: letter.entryId, status: 'VALIDATED', paidAt: null });
    }
  });

  it('went through validate → pay → ship exactly once per order: the partition logs read back', async () => {
    // Per order id, every mutation of it in the log, in order.
    const history = new Map<string, string[]>();
    const note = (id: string, what: string): void => void history.set(id, [...(history.get(id) ?? []), what]);
    for (const { m } of await log()) {
      if (m.type === ORDER_TYPE) note(m.id, m.op === 'WRITE' ? `WRITE ${String(m.state?.status)}` : m.op);
      if (m.type === DEAD_LETTER_TYPE && m.op === 'WRITE') note(String(m.state?.entryId), 'DEAD_LETTER');
    }
    for (const order of healthy()) {
      expect([order.id, history.get(order.id)]).toEqual([
        order.id,
        ['WRITE NEW', 'TAKE', 'WRITE VALIDATED', 'TAKE', 'WRITE PAID', 'TAKE', 'WRITE SHIPPED'],
      ]);
    }
    for (const order of marked()) {
      // Three failed attempts at pay left no trace; the move to the dead letter is one take + one write.
      expect([order.id, history.get(order.id)]).toEqual([
        order.id,
        ['WRITE NEW', 'TAKE', 'WRITE VALIDATED', 'TAKE', 'DEAD_LETTER'],
      ]);
    }
  });

  it('keeps each CustomerTotal equal to the sum of its shipped orders, and revenue equals their sum', async () => {
    const expected = totalsOf(healthy());
    const grand = [...expected.values()].reduce((a, b) => a + b, 0);
    await until('the customer totals caught up', async () => {
      const totals = await client.readMultiple(TOTAL_TYPE);
      return totals.reduce((sum, t) => sum + Number(t.totalCents), 0) === grand;
    });
    const totals = await client.readMultiple(TOTAL_TYPE);
    expect(new Map(totals.map((t) => [String(t.customerId), Number(t.totalCents)]))).toEqual(expected);
    for (const t of totals) {
      expect(t.orders).toBe(healthy().filter((o) => o.customerId === t.customerId).length);
      expect(String(t.lastEventId)).toMatch(/^\d+:\d+$/);
    }
    expect(await revenueOf(client)).toBe(grand);
  });

  it('skips a redelivered batch: the totals count each event once', async () => {
    const [unit] = units as [ProcessingUnit];
    const partition = unit.primaries()[0]!;
    // The SHIPPED events of that partition as the notify container delivered them: replay them all.
    const events: NotifyEvent[] = (await log())
      .filter(
        ({ k, m }) =>
          k === partition && m.type === ORDER_TYPE && m.op === 'WRITE' && m.state?.status === 'SHIPPED',
      )
      .map(({ k, m, offset }) => ({
        id: `${k}:${offset}`,
        partition: k,
        offset,
        op: m.op,
        type: m.type,
        entryId: m.id,
        version: m.version,
        leaseExpiresAt: null,
        timestamp: m.timestamp,
        origin: m.origin,
        entry: m.state,
      }));
    expect(events.length).toBeGreaterThan(0);
    const before = await client.readMultiple(TOTAL_TYPE);
    expect(await applyShippedEvents(unit.space, events)).toEqual({ applied: 0, skipped: events.length });
    expect(await client.readMultiple(TOTAL_TYPE)).toEqual(before);
  });

  it('answers OrderService.status through a remote client, routed to the order’s partition', async () => {
    const service = orderService(client);
    for (const order of healthy().slice(0, 5)) {
      expect(await service.status(order.id, order.customerId)).toMatchObject({
        orderId: order.id,
        status: 'SHIPPED',
      });
    }
    const poisoned = marked()[0]!;
    expect(await service.status(poisoned.id, poisoned.customerId)).toMatchObject({
      status: 'DEAD_LETTER',
      failedStep: 'pay',
      errorCode: 'INJECTED_FAILURE',
    });
    expect(await service.status('o-nobody', 'c-1')).toMatchObject({ status: 'UNKNOWN' });
    // Each unit runs its own containers.
    expect(pipelines).toHaveLength(2);
  });
});
