import * as path from 'node:path';
import type { RemoteSpace } from '../../../src/client/RemoteSpace';
import type { Mutation } from '../../../src/space/Mutation';
import {
  DEAD_LETTER_TYPE,
  ORDER_TYPE,
  TOTAL_TYPE,
  orderService,
  revenueOf,
} from '../../../examples/orders-pipeline/services';
import { eventually } from '../../support/eventually';
import { clusterVerifyTarget, expectVerified } from '../../support/expectVerified';
import { foldLog } from '../../integration/grid/foldLog';
import { TestCluster } from '../../support/clusterTestKit';
import { seededRandom } from '../../support/seededRandom';

/**
 * Issue 17's pipeline under crashes: three units (one backup each partition) run the orders pipeline
 * (validate → pay → ship polling containers, a notify container keeping customer totals, a revenue
 * task, an order service) while a feeder writes orders and units are SIGKILLed ten times. Judged from
 * the committed log, independently of the units.
 */

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCHEMAS = path.join(ROOT, 'examples/orders-pipeline/schemas');
const SERVICES = path.join(ROOT, 'dist/examples/orders-pipeline/services.js');
const UNITS = ['u1', 'u2', 'u3'];
const KILLS = 10;
const CUSTOMERS = 40;
/** Every POISON_EVERY-th order carries the fail marker: it fails at `pay` until dead-lettered. */
const POISON_EVERY = 25;
/** Ten kill cycles (session timeout, restart, warm-up each) and the drain: slow on a busy 2-core machine. */
const TEST_TIMEOUT_MS = 900_000;

interface Fed {
  /** Ids whose write was acknowledged. */
  readonly acked: Set<string>;
  /** Ids whose write failed in a way that leaves its fate unknown (they may or may not exist). */
  readonly inDoubt: Set<string>;
  readonly cents: Map<string, number>;
  stop(): Promise<void>;
}

/** Writes NEW orders at a steady pace until stopped; remembers what was acknowledged. */
function feed(client: RemoteSpace): Fed {
  const acked = new Set<string>();
  const inDoubt = new Set<string>();
  const cents = new Map<string, number>();
  let running = true;
  let n = 0;
  const loop = (async () => {
    while (running) {
      const batch = Array.from({ length: 5 }, () => {
        n += 1;
        const id = n % POISON_EVERY === 0 ? `o-${n}-poison` : `o-${n}`;
        const totalCents = 100 + (n % 37) * 10;
        cents.set(id, totalCents);
        return client
          .write(ORDER_TYPE, {
            id,
            customerId: `c-${n % CUSTOMERS}`,
            status: 'NEW',
            totalCents,
            createdAt: Date.now(),
            validatedAt: null,
            paidAt: null,
            shippedAt: null,
          })
          .then(
            () => void acked.add(id),
            () => void inDoubt.add(id),
          );
      });
      await Promise.all(batch);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    acked,
    inDoubt,
    cents,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Waits until no order is waiting for a step (every one shipped or dead-lettered). */
async function drained(client: RemoteSpace, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waiting = await Promise.all(
      ['NEW', 'VALIDATED', 'PAID'].map((status) =>
        client.count(ORDER_TYPE, { template: { status } }).catch(() => -1),
      ),
    );
    if (waiting.every((c) => c === 0)) return;
    if (Date.now() > deadline)
      throw new Error(`pipeline not drained: NEW/VALIDATED/PAID = ${waiting.join('/')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Waits until the `customerTotals` notify container counted every shipped order: it updates the
 * CustomerTotal entries after the orders ship (after a kill, once the promoted unit's container took
 * over), so a drained pipeline does not mean caught-up totals. Sums only: the fold checks each customer.
 */
async function totalsCaughtUp(client: RemoteSpace, timeoutMs: number): Promise<void> {
  let seen = 'nothing read yet';
  await eventually(
    async () => {
      try {
        const [shipped, totals] = await Promise.all([
          client.readMultiple(ORDER_TYPE, { template: { status: 'SHIPPED' } }),
          client.readMultiple(TOTAL_TYPE),
        ]);
        const shippedCents = shipped.reduce((sum, o) => sum + Number(o.totalCents), 0);
        const orders = totals.reduce((sum, t) => sum + Number(t.orders), 0);
        const cents = totals.reduce((sum, t) => sum + Number(t.totalCents), 0);
        seen = `${shipped.length} orders shipped (${shippedCents} cents), totals count ${orders} (${cents} cents)`;
        return orders === shipped.length && cents === shippedCents;
      } catch (error) {
        seen = `a read failed: ${(error as Error).message}`; // a failover in progress: ask again
        return false;
      }
    },
    timeoutMs,
    () => `the customer totals to catch up with the shipped orders: ${seen}`,
    500, // each check reads every shipped order: spare the units that are catching up
  );
}

describe('the orders pipeline under SIGKILL of processing units', () => {
  const cluster = new TestCluster({
    partitions: 6,
    backups: 1,
    sessionTimeoutMs: 6000,
    schemas: SCHEMAS,
    services: SERVICES,
    probeType: ORDER_TYPE,
    space: 'shop',
    env: { PIPELINE_FAIL_MARKER: 'poison', PIPELINE_FAIL_STEP: 'pay', PIPELINE_MAX_ATTEMPTS: '3' },
  });
  afterAll(() => cluster.close());

  it(
    'applies every step exactly once, loses no acknowledged order, dead-letters only injected failures, and the notify container misses nothing',
    async () => {
      const random = seededRandom('pipeline.fault');
      await cluster.startUnits(UNITS);
      const client = await cluster.connect();
      const fed = feed(client);
      try {
        for (let kill = 0; kill < KILLS; kill += 1) {
          await new Promise((r) => setTimeout(r, random.between(1000, 4000)));
          const victim = UNITS[random.between(0, UNITS.length)]!;
          await cluster.units.get(victim)!.kill();
          cluster.units.delete(victim);
          await cluster.startUnit(victim);
          await cluster.waitUntilServed(UNITS, 180_000);
        }
      } finally {
        await fed.stop();
      }
      await drained(client, 180_000);
      await totalsCaughtUp(client, 180_000);

      // The committed log, read independently of the units.
      const writes = new Map<string, string[]>(); // order id -> statuses written, in log order
      const takes = new Map<string, number>();
      const letters = new Map<string, number>(); // order id -> dead letters written
      const folded = await foldLog({
        brokers: cluster.kit.brokers,
        prefix: cluster.kit.prefix,
        space: cluster.space,
        partitions: cluster.partitions,
        types: client.types,
        onMutation: (_k, m: Mutation) => {
          if (m.type === ORDER_TYPE && m.op === 'WRITE') {
            writes.set(m.id, [...(writes.get(m.id) ?? []), String(m.state?.status)]);
          }
          if (m.type === ORDER_TYPE && m.op === 'TAKE') takes.set(m.id, (takes.get(m.id) ?? 0) + 1);
          if (m.type === DEAD_LETTER_TYPE && m.op === 'WRITE') {
            const of = String(m.state?.entryId);
            letters.set(of, (letters.get(of) ?? 0) + 1);
          }
        },
      });

      expect(fed.acked.size).toBeGreaterThan(200);
      const problems: string[] = [];
      const shippedCents = new Map<string, { orders: number; cents: number }>();
      for (const id of new Set([...fed.acked, ...fed.inDoubt, ...writes.keys()])) {
        const history = writes.get(id) ?? [];
        const poison = id.endsWith('-poison');
        const known = fed.acked.has(id) || fed.inDoubt.has(id);
        if (!known) problems.push(`${id}: in the log but never fed`);
        if (history.length === 0) {
          // Only a write of unknown fate may be absent.
          if (fed.acked.has(id)) problems.push(`${id}: acknowledged, never in the log`);
          continue;
        }
        const expected = poison ? ['NEW', 'VALIDATED'] : ['NEW', 'VALIDATED', 'PAID', 'SHIPPED'];
        if (history.join('>') !== expected.join('>')) problems.push(`${id}: steps ${history.join('>')}`);
        const expectedTakes = poison ? 2 : 3;
        if ((takes.get(id) ?? 0) !== expectedTakes) problems.push(`${id}: ${takes.get(id) ?? 0} takes`);
        if ((letters.get(id) ?? 0) !== (poison ? 1 : 0))
          problems.push(`${id}: ${letters.get(id) ?? 0} dead letters`);
        const final = folded[`${ORDER_TYPE}/${id}`]?.entry as Record<string, unknown> | undefined;
        if (poison) {
          if (final !== undefined) problems.push(`${id}: poison order still in the space`);
        } else if (final?.status !== 'SHIPPED') {
          problems.push(`${id}: ends ${String(final?.status)}`);
        } else {
          const customer = String(final.customerId);
          const sum = shippedCents.get(customer) ?? { orders: 0, cents: 0 };
          shippedCents.set(customer, { orders: sum.orders + 1, cents: sum.cents + Number(final.totalCents) });
        }
      }
      for (const of of letters.keys()) if (!of.endsWith('-poison')) problems.push(`${of}: dead-lettered`);
      expect(problems).toEqual([]);

      // The notify container, across every failover: each customer's total is exactly its shipped orders.
      const totals: Record<string, { orders: number; cents: number }> = {};
      for (const [key, { entry }] of Object.entries(folded)) {
        if (!key.startsWith(`${TOTAL_TYPE}/`)) continue;
        const total = entry as Record<string, unknown>;
        totals[String(total.customerId)] = { orders: Number(total.orders), cents: Number(total.totalCents) };
      }
      expect(totals).toEqual(Object.fromEntries(shippedCents));

      // The task and the service answer from the units as the log says.
      const revenue = [...shippedCents.values()].reduce((s, t) => s + t.cents, 0);
      expect(await revenueOf(client)).toBe(revenue);
      const sample = [...fed.acked].find((id) => !id.endsWith('-poison'))!;
      const customer = (folded[`${ORDER_TYPE}/${sample}`]?.entry as Record<string, unknown>).customerId;
      expect(await orderService(client).status(sample, String(customer))).toMatchObject({
        status: 'SHIPPED',
      });
      // spacelog verify at the suite's end: every partition served equals the fold of its log.
      await expectVerified({ ...clusterVerifyTarget(cluster), grid: client });
      await client.close();
    },
    TEST_TIMEOUT_MS,
  );
});
