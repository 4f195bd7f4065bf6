import fc from 'fast-check';
import { InvalidArgumentError } from '../../../src/errors';
import type { Placement, ReplicaReport, UnitReport } from '../../../src/ops/status/Placement';
import { placeReplicas, type PlacementInput } from '../../../src/cluster/placeReplicas';

const unit = (name: string, replicas: ReplicaReport[] = [], epoch = 0): UnitReport => ({
  unit: name,
  endpoint: `${name}:7000`,
  epoch,
  replicas,
});

/** What each unit would report after applying `placement` (all replicas warmed up unless `ready` says otherwise). */
function reportsOf(
  placement: Placement,
  names: readonly string[],
  ready = (_u: string) => true,
): UnitReport[] {
  return names.map((name) => {
    const replicas: ReplicaReport[] = [];
    placement.partitions.forEach((p, partition) => {
      if (p.primary === name) replicas.push({ partition, role: 'primary', ready: ready(name) });
      if (p.backups.includes(name)) replicas.push({ partition, role: 'backup', ready: ready(name) });
    });
    return unit(name, replicas, placement.epoch);
  });
}

const primaryCounts = (placement: Placement): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const p of placement.partitions)
    if (p.primary !== null) counts[p.primary] = (counts[p.primary] ?? 0) + 1;
  return counts;
};
const replicaCounts = (placement: Placement): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const p of placement.partitions) {
    for (const u of [p.primary, ...p.backups]) if (u !== null) counts[u] = (counts[u] ?? 0) + 1;
  }
  return counts;
};
/** Roles only, backups as sets: what stickiness is about. */
const roles = (placement: Placement) =>
  placement.partitions.map((p) => ({ primary: p.primary, backups: [...p.backups].sort() }));

function expectInvariants(input: PlacementInput, placement: Placement): void {
  const names = [...new Set(input.units.map((u) => u.unit))];
  const wanted = names.length === 0 ? 0 : Math.min(input.backups, names.length - 1);
  expect(placement.partitions).toHaveLength(input.partitions);
  expect(Object.keys(placement.endpoints).sort()).toEqual([...names].sort());
  expect(placement.epoch).toBe(Math.max(0, ...input.units.map((u) => u.epoch)) + 1);
  placement.partitions.forEach((p, partition) => {
    if (names.length === 0) expect(p).toEqual({ primary: null, backups: [] });
    else expect(p.primary).not.toBeNull();
    const all = [p.primary, ...p.backups].filter((u): u is string => u !== null);
    expect(new Set(all).size).toBe(all.length);
    for (const u of all) expect(names).toContain(u);
    expect(p.backups).toHaveLength(wanted);
    // A primary lands only where a ready copy is, whenever one exists.
    const readyHolders = input.units.filter((u) =>
      u.replicas.some((r) => r.partition === partition && r.ready),
    );
    if (readyHolders.length > 0) {
      const primaryReport = input.units.find((u) => u.unit === p.primary)!;
      expect(primaryReport.replicas.some((r) => r.partition === partition && r.ready)).toBe(true);
    }
  });
}

describe('placeReplicas', () => {
  const cold = placeReplicas({ partitions: 8, backups: 1, units: [unit('c'), unit('a'), unit('b')] });

  it('spreads a cold start evenly: primaries 3/3/2, one backup per partition on another unit', () => {
    expect(cold.epoch).toBe(1);
    expect(cold.endpoints).toEqual({ a: 'a:7000', b: 'b:7000', c: 'c:7000' });
    expect(Object.values(primaryCounts(cold)).sort()).toEqual([2, 3, 3]);
    for (const p of cold.partitions) {
      expect(p.backups).toHaveLength(1);
      expect(p.backups[0]).not.toBe(p.primary);
    }
    expect(Math.max(...Object.values(replicaCounts(cold)))).toBeLessThanOrEqual(Math.ceil(16 / 3));
  });

  it('is sticky: re-running on the reports of its own placement keeps every role', () => {
    const again = placeReplicas({ partitions: 8, backups: 1, units: reportsOf(cold, ['a', 'b', 'c']) });
    expect(again.epoch).toBe(2);
    expect(roles(again)).toEqual(roles(cold));
  });

  it('fails over a lost unit to the ready backups and leaves the other partitions alone', () => {
    const before = placeReplicas({ partitions: 6, backups: 1, units: [unit('a'), unit('b'), unit('c')] });
    const after = placeReplicas({ partitions: 6, backups: 1, units: reportsOf(before, ['a', 'b']) });
    before.partitions.forEach((p, partition) => {
      const now = after.partitions[partition]!;
      if (p.primary === 'c') expect(now.primary).toBe(p.backups[0]);
      else expect(now.primary).toBe(p.primary);
      expect(now.backups).toHaveLength(1);
      expect(now.backups).not.toContain('c');
    });
    expect(Object.values(primaryCounts(after)).sort()).toEqual([3, 3]);
  });

  describe('a unit joining', () => {
    const joined = placeReplicas({
      partitions: 8,
      backups: 1,
      units: [...reportsOf(cold, ['a', 'b', 'c']), unit('d')],
    });

    it('gets backups to warm up, no primary, and no primary moves', () => {
      expect(joined.partitions.map((p) => p.primary)).toEqual(cold.partitions.map((p) => p.primary));
      expect(primaryCounts(joined).d).toBeUndefined();
      const replicas = replicaCounts(joined);
      expect(replicas.d).toBe(4);
      for (const n of Object.values(replicas)) expect(n).toBeLessThanOrEqual(Math.ceil(16 / 4));
      // Among its backups are partitions of each over-loaded primary (a and b), so it can take those later.
      const backedUp = joined.partitions.filter((p) => p.backups.includes('d')).map((p) => p.primary);
      expect(backedUp).toContain('a');
      expect(backedUp).toContain('b');
    });

    it('takes primaries up to balance once its backups are ready; the old primaries keep a backup', () => {
      const warmed = placeReplicas({
        partitions: 8,
        backups: 1,
        units: reportsOf(joined, ['a', 'b', 'c', 'd']),
      });
      expect(Object.values(primaryCounts(warmed)).sort()).toEqual([2, 2, 2, 2]);
      const moved = warmed.partitions.flatMap((p, k) =>
        p.primary === joined.partitions[k]!.primary ? [] : [k],
      );
      expect(moved).toHaveLength(2); // only the excess of a and b
      for (const k of moved) {
        expect(warmed.partitions[k]!.primary).toBe('d');
        expect(joined.partitions[k]!.backups).toContain('d');
        expect(warmed.partitions[k]!.backups).toEqual([joined.partitions[k]!.primary]);
      }
    });

    it('keeps its not-yet-ready backups and moves no primary while it warms up', () => {
      const warming = placeReplicas({
        partitions: 8,
        backups: 1,
        units: reportsOf(joined, ['a', 'b', 'c', 'd'], (u) => u !== 'd'),
      });
      expect(roles(warming)).toEqual(roles(joined));
    });
  });

  it('gives a fourth unit a primary once its backups are warm, even when no unit is above ceil(P/U)', () => {
    const three = ['u1', 'u2', 'u3'];
    const start = placeReplicas({ partitions: 6, backups: 1, units: three.map((n) => unit(n)) });
    const settled = placeReplicas({ partitions: 6, backups: 1, units: reportsOf(start, three) });
    expect(Object.values(primaryCounts(settled))).toEqual([2, 2, 2]);
    const names = [...three, 'u4'];
    const cold = placeReplicas({
      partitions: 6,
      backups: 1,
      units: [...reportsOf(settled, three), unit('u4')],
    });
    expect(primaryCounts(cold).u4).toBeUndefined();
    expect(replicaCounts(cold).u4).toBeGreaterThan(0);
    const warm = placeReplicas({ partitions: 6, backups: 1, units: reportsOf(cold, names) });
    const counts = Object.values(primaryCounts(warm));
    expect(primaryCounts(warm).u4).toBeGreaterThanOrEqual(1);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it('settles a double primary claim on the newest epoch, then the name', () => {
    const claim = (epoch: number, name: string) =>
      unit(name, [{ partition: 0, role: 'primary', ready: true }], epoch);
    const newer = placeReplicas({ partitions: 1, backups: 1, units: [claim(5, 'b'), claim(3, 'a')] });
    expect(newer.partitions[0]!.primary).toBe('b');
    expect(newer.partitions[0]!.backups).toEqual(['a']);
    expect(newer.epoch).toBe(6);
    const tie = placeReplicas({ partitions: 1, backups: 0, units: [claim(4, 'b'), claim(4, 'a')] });
    expect(tie.partitions[0]!.primary).toBe('a');
  });

  it('prefers a ready backup to a warming primary, and a warming replica to a cold unit', () => {
    const placement = placeReplicas({
      partitions: 2,
      backups: 0,
      units: [
        unit('a', [{ partition: 0, role: 'primary', ready: false }]),
        unit('b', [{ partition: 0, role: 'backup', ready: true }]),
        unit('c', [{ partition: 1, role: 'backup', ready: false }]),
      ],
    });
    expect(placement.partitions.map((p) => p.primary)).toEqual(['b', 'c']);
  });

  it('handles no unit and a single unit', () => {
    const none = placeReplicas({ partitions: 3, backups: 1, units: [] });
    expect(none).toEqual({
      epoch: 1,
      endpoints: {},
      partitions: Array(3).fill({ primary: null, backups: [] }),
    });
    const one = placeReplicas({ partitions: 3, backups: 2, units: [unit('solo', [], 7)] });
    expect(one.epoch).toBe(8);
    expect(one.partitions).toEqual(Array(3).fill({ primary: 'solo', backups: [] }));
  });

  it('caps backups at units - 1 and keeps the first report of a repeated unit', () => {
    const placement = placeReplicas({
      partitions: 4,
      backups: 5,
      units: [unit('a'), unit('b'), unit('c'), { ...unit('a'), endpoint: 'other:1' }],
    });
    expect(placement.endpoints.a).toBe('a:7000');
    for (const p of placement.partitions) expect(p.backups).toHaveLength(2);
  });

  it('rejects a partition count below 1 or a negative backup count', () => {
    expect(() => placeReplicas({ partitions: 0, backups: 1, units: [] })).toThrow(InvalidArgumentError);
    expect(() => placeReplicas({ partitions: 2, backups: -1, units: [] })).toThrow(InvalidArgumentError);
  });

  describe('properties', () => {
    const names = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    const inputs: fc.Arbitrary<PlacementInput> = fc.integer({ min: 1, max: 12 }).chain((partitions) => {
      const report = fc.record({
        partition: fc.integer({ min: 0, max: partitions - 1 }),
        role: fc.constantFrom<'primary' | 'backup'>('primary', 'backup'),
        ready: fc.boolean(),
      });
      const member = fc
        .record({
          name: fc.constantFrom(...names),
          epoch: fc.nat(5),
          replicas: fc.array(report, { maxLength: partitions * 2 }),
        })
        .map(({ name, epoch, replicas }) => unit(name, replicas, epoch));
      return fc.record({
        partitions: fc.constant(partitions),
        backups: fc.nat(4),
        units: fc.uniqueArray(member, { selector: (u) => u.unit, maxLength: names.length }),
      });
    });

    it('keeps the invariants on any reports', () => {
      fc.assert(fc.property(inputs, (input) => expectInvariants(input, placeReplicas(input))));
    });

    it('does not depend on the order of the units', () => {
      const withPermutation = inputs.chain((input) =>
        fc.tuple(
          fc.constant(input),
          fc.shuffledSubarray([...input.units], { minLength: input.units.length }),
        ),
      );
      fc.assert(
        fc.property(withPermutation, ([input, shuffled]) => {
          expect(placeReplicas({ ...input, units: shuffled })).toEqual(placeReplicas(input));
        }),
      );
    });

    it('settles: once every replica is ready, re-running changes no role', () => {
      fc.assert(
        fc.property(inputs, (input) => {
          const members = input.units.map((u) => u.unit);
          let placement = placeReplicas(input);
          for (let round = 0; round < 3; round++) {
            placement = placeReplicas({ ...input, units: reportsOf(placement, members) });
          }
          const next = placeReplicas({ ...input, units: reportsOf(placement, members) });
          expect(roles(next)).toEqual(roles(placement));
        }),
      );
    });

    it('balances a cold start: primaries differ by at most one, no unit above the replica cap', () => {
      const cold = fc.record({
        partitions: fc.integer({ min: 1, max: 40 }),
        backups: fc.nat(3),
        count: fc.integer({ min: 1, max: names.length }),
      });
      fc.assert(
        fc.property(cold, ({ partitions, backups, count }) => {
          const placement = placeReplicas({
            partitions,
            backups,
            units: names.slice(0, count).map((n) => unit(n)),
          });
          const primaries = names.slice(0, count).map((n) => primaryCounts(placement)[n] ?? 0);
          expect(Math.max(...primaries) - Math.min(...primaries)).toBeLessThanOrEqual(1);
          const cap = Math.ceil((partitions * (1 + Math.min(backups, count - 1))) / count);
          for (const n of Object.values(replicaCounts(placement))) expect(n).toBeLessThanOrEqual(cap);
        }),
      );
    });
  });
});
