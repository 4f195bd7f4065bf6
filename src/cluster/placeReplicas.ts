import { InvalidArgumentError } from '../errors';
import type { Placement, PartitionPlacement, ReplicaReport, UnitReport } from '../ops/status/Placement';

/** What the group leader knows at a rebalance. */
export interface PlacementInput {
  /** Partition count P (>= 1). */
  readonly partitions: number;
  /** Wanted backups per partition N (>= 0); capped at units - 1, since a unit holds one replica of a partition. */
  readonly backups: number;
  /** The group's members now (unit names unique; when one is repeated, the first report wins). */
  readonly units: readonly UnitReport[];
}

/**
 * Computes the next placement of a space's replicas over its units: the pure core of the Kafka-group
 * assignor, run by the group leader at every rebalance. Deterministic: the same input gives the same
 * output whatever the order of `units`, so a re-elected leader does not shuffle partitions.
 *
 * Sticky first (a ready primary keeps its partition), then failover to a ready backup, then balance;
 * a primary only ever moves to a unit that already holds a warm copy, so a joining unit first gets
 * backups to warm up and takes primaries at a later rebalance.
 */
export function placeReplicas(input: PlacementInput): Placement {
  const { partitions } = input;
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new InvalidArgumentError(`partitions must be an integer >= 1, got ${partitions}`);
  }
  if (!Number.isInteger(input.backups) || input.backups < 0) {
    throw new InvalidArgumentError(`backups must be an integer >= 0, got ${input.backups}`);
  }
  const units = distinctUnits(input.units);
  const endpoints: Record<string, string> = {};
  for (const unit of units) endpoints[unit.unit] = unit.endpoint;
  const epoch = units.reduce((max, unit) => Math.max(max, unit.epoch), 0) + 1;
  if (units.length === 0) {
    const empty: PartitionPlacement = { primary: null, backups: [] };
    return { epoch, endpoints, partitions: Array.from({ length: partitions }, () => empty) };
  }

  const draft = new Draft(units, partitions);
  const demoted = choosePrimaries(draft);
  chooseBackups(draft, Math.min(input.backups, units.length - 1), demoted);
  return {
    epoch,
    endpoints,
    partitions: draft.primary.map((primary, p) => ({ primary, backups: [...(draft.backups[p] ?? [])] })),
  };
}

/** Steps 3 and 4: one primary per partition. Returns the old primary of every partition moved for balance. */
function choosePrimaries(draft: Draft): Map<number, string> {
  const { names } = draft;
  const open = (): number[] => draft.primary.flatMap((unit, p) => (unit === null ? [p] : []));
  // Each rule runs over all partitions before the next, so failovers and cold starts see every sticky
  // primary already counted and spread over the least loaded units.
  for (const p of open()) {
    // A double claim is a zombie that missed a rebalance: the claim made under the newest epoch wins.
    const claims = names.filter((u) => draft.reportIs(u, p, 'primary', true));
    draft.setPrimary(
      p,
      pickMin(claims, (u) => [-draft.epochOf(u)]),
    );
  }
  for (const p of open()) {
    const ready = names.filter((u) => draft.reportIs(u, p, 'backup', true));
    draft.setPrimary(
      p,
      pickMin(ready, (u) => [draft.primariesOf(u)]),
    );
  }
  for (const p of open()) {
    // No ready copy left: a unit warming one up will be serving sooner than a cold unit.
    const warming = names.filter((u) => draft.report(u, p) !== undefined);
    draft.setPrimary(
      p,
      pickMin(warming, (u) => [draft.report(u, p)?.role === 'primary' ? 0 : 1, draft.primariesOf(u)]),
    );
  }
  for (const p of open()) {
    draft.setPrimary(
      p,
      pickMin(names, (u) => [draft.primariesOf(u), draft.reportedCount(u)]),
    );
  }

  // Balance: move a primary from a unit with at least two more than another only onto a unit holding
  // a ready backup of it, so the partition never waits for a warm-up. Each move narrows the spread, so
  // the loop ends; the most loaded donor gives to the least loaded receiver first.
  const demoted = new Map<number, string>();
  for (;;) {
    const move = nextBalanceMove(draft);
    if (move === undefined) break;
    demoted.set(move.partition, draft.primary[move.partition]!);
    draft.setPrimary(move.partition, move.receiver);
  }
  return demoted;
}

/** The partition to hand to a less loaded unit with a ready backup of it, if any narrows the spread. */
function nextBalanceMove(draft: Draft): { partition: number; receiver: string } | undefined {
  const { names } = draft;
  for (const donor of byLoadDescending(names, (u) => draft.primariesOf(u))) {
    const receivers = [...names].sort((a, b) => draft.primariesOf(a) - draft.primariesOf(b));
    for (const receiver of receivers) {
      if (draft.primariesOf(donor) - draft.primariesOf(receiver) < 2) break;
      for (let p = 0; p < draft.partitions; p++) {
        if (draft.primary[p] === donor && draft.reportIs(receiver, p, 'backup', true))
          return { partition: p, receiver };
      }
    }
  }
  return undefined;
}

/** Steps 5 and 6: `wanted` backups per partition, existing copies first, then balanced. */
function chooseBackups(draft: Draft, wanted: number, demoted: ReadonlyMap<number, string>): void {
  const { names } = draft;
  // A replica that has (or is fetching) the data is worth keeping: ready ones first, as they cost nothing.
  const isReady = (u: string, p: number): boolean =>
    demoted.get(p) === u || draft.reportIs(u, p, 'backup', true);
  for (let p = 0; p < draft.partitions; p++) {
    const existing = names.filter(
      (u) => u !== draft.primary[p] && (demoted.get(p) === u || draft.report(u, p)?.role === 'backup'),
    );
    existing.sort((a, b) => Number(isReady(b, p)) - Number(isReady(a, p)));
    for (const u of existing.slice(0, wanted)) draft.addBackup(p, u);
  }
  for (let p = 0; p < draft.partitions; p++) {
    while ((draft.backups[p]?.length ?? 0) < wanted) {
      const free = names.filter((u) => !draft.holds(u, p));
      const unit = pickMin(free, (u) => [draft.replicasOf(u)]);
      if (unit === undefined) break; // cannot happen: wanted <= units - 1
      draft.addBackup(p, unit);
    }
  }

  // Balance: a unit above the cap hands backups (never primaries) to units below it, so a new unit
  // gets copies to warm up. It gives first what costs least (copies still warming), then copies of
  // partitions whose primary is over-loaded (a warm copy elsewhere lets the next rebalance move it).
  const cap = Math.ceil((draft.partitions * (1 + wanted)) / names.length);
  // A unit leading more than its floor share may have to give a primary to a unit below it.
  const primaryFloor = Math.floor(draft.partitions / names.length);
  for (const donor of byLoadDescending(names, (u) => draft.replicasOf(u))) {
    const movable = draft.backups.flatMap((units, p) => (units.includes(donor) ? [p] : []));
    const cost = (p: number): number[] => {
      const primary = draft.primary[p];
      const overloaded =
        primary !== null && primary !== undefined && draft.primariesOf(primary) > primaryFloor;
      return [isReady(donor, p) ? 1 : 0, overloaded ? 0 : 1, p];
    };
    movable.sort((a, b) => compareKeys(cost(a), cost(b)));
    for (const p of movable) {
      if (draft.replicasOf(donor) <= cap) break;
      const free = names.filter((u) => draft.replicasOf(u) < cap && !draft.holds(u, p));
      const receiver = pickMin(free, (u) => [draft.replicasOf(u)]);
      if (receiver === undefined) continue;
      draft.removeBackup(p, donor);
      draft.addBackup(p, receiver);
    }
  }
}

/** The placement being built, with per-unit counts kept up to date. */
class Draft {
  readonly names: readonly string[];
  readonly primary: (string | null)[];
  readonly backups: string[][];
  private readonly reports = new Map<string, Map<number, ReplicaReport>>();
  private readonly epochs = new Map<string, number>();
  private readonly primaries = new Map<string, number>();
  private readonly replicas = new Map<string, number>();

  constructor(
    units: readonly UnitReport[],
    readonly partitions: number,
  ) {
    this.names = units.map((u) => u.unit);
    this.primary = new Array<string | null>(partitions).fill(null);
    this.backups = Array.from({ length: partitions }, () => []);
    for (const unit of units) {
      this.epochs.set(unit.unit, unit.epoch);
      const byPartition = new Map<number, ReplicaReport>();
      for (const report of unit.replicas) {
        if (!Number.isInteger(report.partition) || report.partition < 0 || report.partition >= partitions)
          continue;
        // A unit listing a partition twice is confused; trust the stronger claim, whatever the order.
        const seen = byPartition.get(report.partition);
        if (seen === undefined || strength(report) > strength(seen))
          byPartition.set(report.partition, report);
      }
      this.reports.set(unit.unit, byPartition);
    }
  }

  report(unit: string, p: number): ReplicaReport | undefined {
    return this.reports.get(unit)?.get(p);
  }
  reportIs(unit: string, p: number, role: ReplicaReport['role'], ready: boolean): boolean {
    const report = this.report(unit, p);
    return report !== undefined && report.role === role && report.ready === ready;
  }
  reportedCount(unit: string): number {
    return this.reports.get(unit)?.size ?? 0;
  }
  epochOf(unit: string): number {
    return this.epochs.get(unit) ?? 0;
  }
  primariesOf(unit: string): number {
    return this.primaries.get(unit) ?? 0;
  }
  replicasOf(unit: string): number {
    return this.replicas.get(unit) ?? 0;
  }
  holds(unit: string, p: number): boolean {
    return this.primary[p] === unit || (this.backups[p]?.includes(unit) ?? false);
  }
  setPrimary(p: number, unit: string | undefined): void {
    if (unit === undefined) return;
    const old = this.primary[p];
    if (old !== null && old !== undefined) this.count(old, -1, -1);
    this.primary[p] = unit;
    this.count(unit, 1, 1);
  }
  addBackup(p: number, unit: string): void {
    this.backups[p]?.push(unit);
    this.count(unit, 0, 1);
  }
  removeBackup(p: number, unit: string): void {
    const list = this.backups[p] ?? [];
    list.splice(list.indexOf(unit), 1);
    this.count(unit, 0, -1);
  }
  private count(unit: string, primaries: number, replicas: number): void {
    this.primaries.set(unit, this.primariesOf(unit) + primaries);
    this.replicas.set(unit, this.replicasOf(unit) + replicas);
  }
}

function strength(report: ReplicaReport): number {
  return (report.ready ? 2 : 0) + (report.role === 'primary' ? 1 : 0);
}

/** First report per name, sorted by name: everything after iterates in this order, which makes ties deterministic. */
function distinctUnits(units: readonly UnitReport[]): UnitReport[] {
  const byName = new Map<string, UnitReport>();
  for (const unit of units) if (!byName.has(unit.unit)) byName.set(unit.unit, unit);
  // Code-unit order, not localeCompare: every member must sort alike whatever its locale.
  return [...byName.values()].sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
}

/** The unit with the smallest key; `units` is in name order, so ties go to the smallest name. */
function pickMin(units: readonly string[], key: (unit: string) => readonly number[]): string | undefined {
  let best: string | undefined;
  let bestKey: readonly number[] = [];
  for (const unit of units) {
    const k = key(unit);
    if (best === undefined || compareKeys(k, bestKey) < 0) [best, bestKey] = [unit, k];
  }
  return best;
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Units by decreasing load, ties by name (the sort is stable and `units` is in name order). */
function byLoadDescending(units: readonly string[], load: (unit: string) => number): string[] {
  return [...units].sort((a, b) => load(b) - load(a));
}
