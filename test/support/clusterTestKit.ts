import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { RemoteSpace } from '../../src/client/RemoteSpace';
import { readClusterStatus } from '../../src/cluster/ClusterStatus';
import type { Placement } from '../../src/ops/status/Placement';
import { describePlacement } from '../../src/cluster/UnitMembership';
import { unitsGroupId } from '../../src/log/admin/topicNames';
import { testKafkaBrokers } from './endpoints';
import { deleteTestTopics, type GridTestKit } from './gridTestKit';
import { uniqueName } from './uniqueName';

/** The repository root (this file is test/support/clusterTestKit.ts, or its copy under dist/ for benchmarks). */
const ROOT =
  path.basename(path.resolve(__dirname, '..', '..')) === 'dist'
    ? path.resolve(__dirname, '..', '..', '..')
    : path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin/spacelog.js');

/** Shape and timing of a test cluster. */
export interface TestClusterOptions {
  readonly space?: string;
  readonly partitions?: number;
  readonly backups?: number;
  /** Kafka's floor is 6000 ms; failover takes about this long. */
  readonly sessionTimeoutMs?: number;
  readonly replication?: 'sync' | 'async';
  readonly kafka?: { readonly replicationFactor?: number; readonly minInsyncReplicas?: number };
  readonly brokers?: readonly string[];
  /** Folder of entry types; default the example schemas. */
  readonly schemas?: string;
  /** A type every unit knows, counted to see that a partition answers; default `Order`. */
  readonly probeType?: string;
  /** Collocated code each unit runs (a compiled module path). */
  readonly services?: string;
  /** Extra environment of the unit processes (e.g. switches of the collocated code). */
  readonly env?: Readonly<Record<string, string>>;
}

/** One `spacelog pu start` child process. */
export class UnitProcess {
  /** Every line it printed. */
  readonly lines: string[] = [];
  /** When each line arrived (epoch ms), index for index with `lines`. */
  readonly lineTimes: number[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  endpoint = '';
  private stderrText = '';
  private waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.lineTimes.push(Date.now());
      for (const w of this.waiters.filter((w) => w.match(line))) w.resolve(line);
      this.waiters = this.waiters.filter((w) => !w.match(line));
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderrText += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** The first line (printed or to come) matching; rejects when the unit exits or after `timeoutMs`. */
  waitForLine(match: (line: string) => boolean, timeoutMs = 60_000): Promise<string> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`unit ${this.name}: no matching line in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void this.exited.then((exit) => {
        clearTimeout(timer);
        reject(
          new Error(`unit ${this.name} exited (${exit.signal ?? exit.code}); stderr: ${this.stderrText}`),
        );
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** SIGKILL (a crash: nothing runs in the unit) and wait until it is gone. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  /** SIGTERM: a graceful stop that hands the partitions over. */
  async stop(): Promise<void> {
    this.signal('SIGTERM');
    await this.exited;
  }
}

/**
 * A cluster of processing units in child processes (`spacelog pu start`, compiled CLI) on the test
 * broker, with its own topic prefix and config file. `close()` kills every unit and deletes the topics.
 */
export class TestCluster {
  readonly kit: GridTestKit;
  readonly space: string;
  readonly partitions: number;
  readonly units = new Map<string, UnitProcess>();
  private readonly probeType: string;
  private readonly env: Readonly<Record<string, string>>;
  private readonly dir: string;
  private readonly configPath: string;
  private readonly admin;
  private adminConnected: Promise<void> | undefined;

  constructor(options: TestClusterOptions = {}) {
    const brokers = options.brokers ? [...options.brokers] : testKafkaBrokers();
    const prefix = uniqueName('t', '');
    this.kit = { brokers, prefix, cleanup: () => deleteTestTopics(brokers, prefix) };
    this.space = options.space ?? 'orders';
    this.partitions = options.partitions ?? 6;
    this.probeType = options.probeType ?? 'Order';
    this.env = options.env ?? {};
    this.dir = mkdtempSync(path.join(tmpdir(), 'spacelog-cluster-'));
    this.configPath = path.join(this.dir, 'unit.json');
    writeFileSync(
      this.configPath,
      JSON.stringify({
        space: this.space,
        partitions: this.partitions,
        backups: options.backups ?? 1,
        schemas: options.schemas ?? path.join(ROOT, 'schemas/examples'),
        ...(options.services !== undefined ? { services: options.services } : {}),
        prefix: this.kit.prefix,
        replication: options.replication ?? 'sync',
        readyWaitMs: 5000,
        kafka: { brokers: this.kit.brokers, ...options.kafka },
        membership: {
          sessionTimeoutMs: options.sessionTimeoutMs ?? 6000,
          heartbeatIntervalMs: 500,
          rebalanceTimeoutMs: 10_000,
        },
      }),
    );
    this.admin = new Kafka({
      clientId: 'test-cluster',
      brokers: [...this.kit.brokers],
      logLevel: logLevel.NOTHING,
    }).admin();
  }

  /** A cluster of units `names`, started together and waited for until every partition is served. */
  static async started(names: readonly string[], options: TestClusterOptions = {}): Promise<TestCluster> {
    const cluster = new TestCluster(options);
    try {
      await cluster.startUnits(names);
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** Starts units `names` together and waits until every partition is served. */
  async startUnits(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((name) => this.startUnit(name)));
    await this.waitUntilServed(names);
  }

  /** Starts a unit and waits until it is a member (its replicas warm up behind). */
  async startUnit(name: string): Promise<UnitProcess> {
    const child = spawn(
      process.execPath,
      [CLI, 'pu', 'start', '--config', this.configPath, '--port', '0', '--unit', name],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...this.env },
      },
    );
    const unit = new UnitProcess(name, child);
    this.units.set(name, unit);
    const line = await unit.waitForLine((l) => l.startsWith(`unit ${name} serving `));
    unit.endpoint = /serving (\S+)/.exec(line)![1]!;
    return unit;
  }

  /** The placement the group holds now (waiting out a rebalance, when the group holds none). */
  async placement(): Promise<Placement | undefined> {
    this.adminConnected ??= this.admin.connect();
    await this.adminConnected;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const placement = await describePlacement(this.admin, unitsGroupId(this.kit.prefix, this.space));
      if (placement !== undefined || Date.now() > deadline) return placement;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Waits until the placement puts every partition's primary on one of `units` and every partition
   * answers through a client (a primary serves it). Returns the placement.
   */
  async waitUntilServed(units: readonly string[], timeoutMs = 90_000): Promise<Placement> {
    const deadline = Date.now() + timeoutMs;
    const client = await this.connect(30_000, units);
    let placement: Placement | undefined;
    let lastError: unknown;
    try {
      for (;;) {
        placement = await this.placement().catch(() => undefined);
        const placed =
          placement !== undefined &&
          placement.partitions.every((p) => p.primary !== null && units.includes(p.primary)) &&
          Object.keys(placement.endpoints).every((u) => units.includes(u));
        if (placed) {
          const served = await client.count(this.probeType, { template: {} }, { requestTimeout: 5000 }).then(
            () => true,
            (error: unknown) => {
              lastError = error;
              return false;
            },
          );
          if (served && placement) return placement;
        }
        if (Date.now() > deadline) {
          const tails = [...this.units.values()].map(
            (u) => `--- ${u.name}:\n${u.lines.slice(-15).join('\n')}`,
          );
          throw new Error(
            `cluster not served by ${units.join(', ')} in ${timeoutMs} ms (${String(lastError)}); placement ${JSON.stringify(placement)}\n${tails.join('\n')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await client.close();
    }
  }

  /**
   * Waits until the cluster is at rest: served by `units`, every replica ready, each unit leading its
   * share of primaries, and the placement unchanged for a second (no rebalance about to move things).
   */
  async waitUntilSettled(units: readonly string[], timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastEpoch = -1;
    for (;;) {
      const placement = await this.waitUntilServed(units, Math.max(1, deadline - Date.now()));
      const view = await readClusterStatus({
        brokers: this.kit.brokers,
        prefix: this.kit.prefix,
        space: this.space,
      });
      const share = Math.floor(this.partitions / units.length);
      const ready = view.partitions.every((p) => Object.values(p.replicas).every((r) => r?.ready === true));
      const balanced = units.every(
        (u) => placement.partitions.filter((p) => p.primary === u).length >= share,
      );
      if (ready && balanced && placement.epoch === lastEpoch) return;
      lastEpoch = placement.epoch;
      if (Date.now() > deadline)
        throw new Error(`cluster of ${units.join(', ')} not settled in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** A client with the units named (default: every unit started) as bootstrap. */
  connect(requestTimeout = 30_000, names?: readonly string[]): Promise<RemoteSpace> {
    const bootstrap = [...this.units.values()]
      .filter((u) => u.endpoint && (names === undefined || names.includes(u.name)))
      .map((u) => u.endpoint);
    return RemoteSpace.connect({ bootstrap, space: this.space, requestTimeout });
  }

  /** Kills every unit, deletes the topics and the config folder. */
  async close(): Promise<void> {
    await Promise.all([...this.units.values()].map((u) => u.kill()));
    if (this.adminConnected) await this.admin.disconnect().catch(() => undefined);
    await this.kit.cleanup().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The cluster of the enclosing `describe` block: a `beforeAll` starts units `names` and waits until every
 * partition is served, an `afterAll` closes it (also after a failed start). Call it in the block's body.
 */
export function clusterForSuite(names: readonly string[], options: TestClusterOptions = {}): TestCluster {
  const cluster = new TestCluster(options);
  beforeAll(() => cluster.startUnits(names));
  afterAll(() => cluster.close());
  return cluster;
}
