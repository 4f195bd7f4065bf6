import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from '../../src/errors/stack';
import { ensureKafkaJars, findJava, kafkaJarVersion, kafkaLogConfig } from './KafkaRuntime';
import { kafkaLibsDirFor, KafkaVersion, parseKafkaVersion } from './kafkaVersions';
import { tryProbeKafka } from './kafkaProbe';
import { isOurProcess, isPortFree, runCommand, sleep, tailFile, terminate, waitForExit } from './processes';
import {
  addScramArguments,
  ADMIN_USER,
  createSecureMaterial,
  credentialsFile,
  KafkaClientSecurity,
  kafkaClientSecurity,
  secureLayout,
  writeSecretFile,
} from './secureKafka';
import {
  BrokerSecurity,
  javaArgs,
  KafkaNodeSpec,
  kafkaNodes,
  newClusterId,
  renderServerProperties,
} from './serverProperties';
import { BrokerRecord, KafkaRecord, KafkaSecurityRecord, StackState } from './StackState';
import { ResolvedStackOptions, STACK_HOST } from './StackOptions';

/** How long a broker gets to shut down cleanly on SIGTERM before it is killed. */
const STOP_GRACE_MS = 20_000;
/** Pause between metadata probes while brokers start. */
const PROBE_INTERVAL_MS = 500;

/** The outcome of {@link LocalKafkaCluster.up}. */
export interface KafkaUpResult {
  readonly record: KafkaRecord;
  /** True when a healthy cluster was already running and was kept. */
  readonly reused: boolean;
}

/**
 * A KRaft cluster of 1..n combined broker/controller JVMs run from Kafka's own jars, on
 * 127.0.0.1:9092 and up. Every PID is recorded in the stack's state, and only recorded PIDs whose
 * command line still names our server.properties are ever signalled.
 */
export class LocalKafkaCluster {
  constructor(
    private readonly options: ResolvedStackOptions,
    private readonly state: StackState,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** The bootstrap list (`127.0.0.1:9092,...`) of a recorded cluster. */
  static bootstrap(record: KafkaRecord): string[] {
    return record.brokers.map((broker) => `${STACK_HOST}:${broker.port}`);
  }

  /** The recorded cluster if all its processes are ours and alive and it answers metadata with every broker. */
  async healthy(): Promise<KafkaRecord | undefined> {
    const record = this.state.read().kafka;
    if (record === undefined) return undefined;
    if (!record.brokers.every((broker) => isOurProcess(broker.pid, broker.configFile))) return undefined;
    const probe = await tryProbeKafka(
      LocalKafkaCluster.bootstrap(record),
      3_000,
      this.clientSecurity(record),
    );
    return probe !== undefined && probe.brokers.length === record.brokers.length ? record : undefined;
  }

  /**
   * What a client needs to log in to a secure cluster as `username` (default the launcher's admin):
   * undefined for a plain one. Read from the files of the running cluster.
   */
  clientSecurity(
    record: KafkaRecord | undefined = this.state.read().kafka,
    username: string = ADMIN_USER,
  ): KafkaClientSecurity | undefined {
    if (record?.security === undefined) return undefined;
    try {
      return kafkaClientSecurity(secureLayout(this.options.stateDir), username);
    } catch {
      return undefined;
    }
  }

  /**
   * Starts the cluster, or keeps the running one if it is healthy, of the requested size and, when a
   * version was asked for, of that version (the default version applies only to a new cluster).
   */
  async up(): Promise<KafkaUpResult> {
    const existing = this.state.read().kafka;
    if (existing !== undefined) {
      const healthy = await this.healthy();
      if (healthy !== undefined && healthy.brokers.length !== this.options.brokers) {
        throw new StackError(
          'STACK_MISMATCH',
          `a ${healthy.brokers.length}-broker Kafka is running, ${this.options.brokers} were asked for: ` +
            `run 'spacelog stack down' first`,
        );
      }
      if (
        healthy !== undefined &&
        this.options.kafkaVersionRequested &&
        healthy.version !== this.options.kafkaVersion
      ) {
        throw new StackError(
          'STACK_MISMATCH',
          `Kafka ${healthy.version} is running, ${this.options.kafkaVersion} was asked for: ` +
            `run 'spacelog stack down' first`,
        );
      }
      if (healthy !== undefined) return { record: healthy, reused: true };
      this.log('the recorded Kafka is not healthy: stopping what is left of it');
      await this.down();
    }
    const java = await findJava();
    const version = parseKafkaVersion(this.options.kafkaVersion);
    const libsDir = await ensureKafkaJars(this.options.kafkaLibsDir, version, this.log);
    const nodes = kafkaNodes(this.options);
    await assertPortsFree(nodes);
    const clusterId = newClusterId();
    const security = this.options.secure ? await this.prepareSecurity() : undefined;
    await Promise.all(
      nodes.map((node) => this.format(java.executable, libsDir, version, node, nodes, clusterId, security)),
    );

    const children = new Map<number, ChildProcess>();
    const exits = new Map<number, string>();
    const brokers: BrokerRecord[] = [];
    for (const node of nodes) {
      const child = this.spawnBroker(java.executable, libsDir, version, node);
      child.once('exit', (code, signal) => exits.set(node.nodeId, signal ?? `exit code ${String(code)}`));
      children.set(node.nodeId, child);
      brokers.push({
        nodeId: node.nodeId,
        pid: child.pid ?? -1,
        port: node.port,
        controllerPort: node.controllerPort,
        configFile: node.configFile,
        logFile: node.logFile,
      });
    }
    const record: KafkaRecord = {
      clusterId,
      version: kafkaJarVersion(libsDir) ?? version.text,
      startedAt: new Date().toISOString(),
      brokers,
      ...(security === undefined ? {} : { security: this.securityRecord() }),
    };
    // Recorded before waiting, so a later `down` can stop brokers that never became ready.
    this.state.update((data) => (data.kafka = record));
    for (const broker of brokers)
      this.log(`kafka ${broker.nodeId}: pid ${broker.pid}, log ${broker.logFile}`);
    try {
      await this.waitUntilReady(record, nodes, exits);
    } finally {
      for (const child of children.values()) child.removeAllListeners('exit');
    }
    return { record, reused: false };
  }

  /** Stops the recorded brokers (only if they are still ours) and forgets them. True if any was running. */
  async down(): Promise<boolean> {
    const record = this.state.read().kafka;
    if (record === undefined) return false;
    const ours = record.brokers.filter((broker) => isOurProcess(broker.pid, broker.configFile));
    await Promise.all(ours.map((broker) => terminate(broker.pid, STOP_GRACE_MS)));
    this.state.update((data) => delete data.kafka);
    return ours.length > 0;
  }

  /**
   * Restarts one recorded broker the way an operator's rolling restart does: SIGTERM (a controlled
   * shutdown that hands its leaderships over first), an optional pause while it is down, then the same
   * server.properties and data folder again. Resolves once the cluster answers metadata with every
   * broker; in-sync replicas may still be catching up. Fault tests use it.
   */
  async restartBroker(
    nodeId: number,
    options: {
      readonly downMs?: number;
      /** SIGKILL: a crash (no controlled shutdown, leaderships lost, not handed over). */
      readonly signal?: 'SIGTERM' | 'SIGKILL';
    } = {},
  ): Promise<BrokerRecord> {
    const record = this.state.read().kafka;
    const broker = record?.brokers.find((b) => b.nodeId === nodeId);
    const node = kafkaNodes(this.options).find((n) => n.nodeId === nodeId);
    if (record === undefined || broker === undefined || node === undefined) {
      throw new StackError('BAD_CONFIG', `no kafka ${nodeId} is recorded in ${this.state.file}`);
    }
    if (isOurProcess(broker.pid, broker.configFile)) {
      if (options.signal === 'SIGKILL') {
        process.kill(broker.pid, 'SIGKILL');
        await waitForExit(broker.pid, STOP_GRACE_MS);
      } else {
        await terminate(broker.pid, STOP_GRACE_MS);
      }
    }
    if (options.downMs !== undefined && options.downMs > 0) await sleep(options.downMs);

    const java = await findJava();
    // The release the cluster was formatted with, which may not be the one a new cluster would get.
    const version = parseKafkaVersion(record.version);
    const libsDir = await ensureKafkaJars(
      kafkaLibsDirFor(this.options.cacheDir, version.text),
      version,
      this.log,
    );
    const child = this.spawnBroker(java.executable, libsDir, version, node);
    const exits = new Map<number, string>();
    child.once('exit', (code, signal) => exits.set(nodeId, signal ?? `exit code ${String(code)}`));
    const restarted: BrokerRecord = { ...broker, pid: child.pid ?? -1 };
    const updated: KafkaRecord = {
      ...record,
      brokers: record.brokers.map((b) => (b.nodeId === nodeId ? restarted : b)),
    };
    this.state.update((data) => (data.kafka = updated));
    this.log(`kafka ${nodeId}: restarted as pid ${restarted.pid}`);
    try {
      await this.waitUntilReady(updated, kafkaNodes(this.options), exits);
    } finally {
      child.removeAllListeners('exit');
    }
    return restarted;
  }

  /** New certificates and SCRAM passwords for a fresh secure cluster; the state folder is made 0700. */
  private async prepareSecurity(): Promise<BrokerSecurity> {
    mkdirSync(this.options.stateDir, { recursive: true, mode: 0o700 });
    chmodSync(this.options.stateDir, 0o700);
    const layout = secureLayout(this.options.stateDir);
    const secrets = await createSecureMaterial(layout, this.options.scramUsers);
    this.log(`secure stack: CA ${layout.caFile}, credentials in ${layout.credentialsDir}`);
    return { layout, secrets };
  }

  private securityRecord(): KafkaSecurityRecord {
    const layout = secureLayout(this.options.stateDir);
    const users = [ADMIN_USER, ...this.options.scramUsers];
    return {
      protocol: 'SASL_SSL',
      mechanism: 'scram-sha-512',
      caFile: layout.caFile,
      credentialFiles: Object.fromEntries(users.map((user) => [user, credentialsFile(layout, user)])),
    };
  }

  private async format(
    java: string,
    libsDir: string,
    version: KafkaVersion,
    node: KafkaNodeSpec,
    cluster: readonly KafkaNodeSpec[],
    clusterId: string,
    security: BrokerSecurity | undefined,
  ): Promise<void> {
    // Every start is a fresh cluster: tests and dev runs never inherit topics from an earlier run.
    rmSync(node.dir, { recursive: true, force: true });
    mkdirSync(node.dataDir, { recursive: true });
    const properties = renderServerProperties(node, cluster, security, version);
    // A secure node's properties hold the keystore and JAAS passwords: its owner's eyes only.
    if (security === undefined) writeFileSync(node.configFile, properties);
    else writeSecretFile(node.configFile, properties);
    const formatLog = path.join(node.dir, 'format.log');
    // --ignore-formatted: a second attempt passes over what the first one already wrote.
    const formatArgs = ['format', '-t', clusterId, '-c', node.configFile, '--ignore-formatted'];
    // kafka.tools.StorageTool is `kafka-storage format` in 3.9 and 4.x alike (static voters, no --standalone).
    let args = javaArgs({
      libsDir,
      ...kafkaLogConfig(version),
      logFile: formatLog,
      heap: '256m',
      mainClass: 'kafka.tools.StorageTool',
      args: formatArgs,
    });
    if (security !== undefined) {
      // The SCRAM passwords go through a Java argument file (0600, removed after), never into argv.
      const argFile = path.join(node.dir, 'format.args');
      const mainAt = args.indexOf('kafka.tools.StorageTool');
      const tail = [
        // Double quotes keep a path with spaces one argument (an argument file splits on blanks).
        ...args.slice(mainAt).map((arg) => `"${arg}"`),
        ...addScramArguments(security.layout, this.options.scramUsers),
      ];
      writeSecretFile(argFile, `${tail.join('\n')}\n`);
      args = [...args.slice(0, mainAt), `@${argFile}`];
    }
    // One retry: this failed once in CI, on a machine busy with other JVMs (cause not logged then).
    for (let attempt = 1; ; attempt++) {
      const result = await runCommand(java, args, { cwd: node.dir, timeoutMs: 120_000 });
      if (result.code === 0) {
        rmSync(path.join(node.dir, 'format.args'), { force: true });
        return;
      }
      if (attempt < 2) continue;
      const logTail = [...(result.stdout + result.stderr).trim().split('\n'), ...tailFile(formatLog)].slice(
        -20,
      );
      const exit = result.signal !== null ? `signal ${result.signal}` : `exit code ${result.code}`;
      throw new StackError(
        'BROKER_EXITED',
        `formatting the storage of kafka ${node.nodeId} failed (${exit}): ${logTail.slice(-3).join(' | ')}`,
        { logFile: formatLog, logTail },
      );
    }
  }

  private spawnBroker(
    java: string,
    libsDir: string,
    version: KafkaVersion,
    node: KafkaNodeSpec,
  ): ChildProcess {
    const args = javaArgs({
      libsDir,
      ...kafkaLogConfig(version),
      logFile: node.logFile,
      heap: this.options.heap,
      mainClass: 'kafka.Kafka',
      args: [node.configFile],
    });
    const out = openSync(node.stdoutFile, 'a');
    try {
      // Detached in its own process group: the broker outlives the CLI that started it.
      const child = spawn(java, args, { cwd: node.dir, detached: true, stdio: ['ignore', out, out] });
      child.unref();
      return child;
    } finally {
      closeSync(out);
    }
  }

  private async waitUntilReady(
    record: KafkaRecord,
    nodes: readonly KafkaNodeSpec[],
    exits: ReadonlyMap<number, string>,
  ): Promise<void> {
    const deadline = Date.now() + this.options.startTimeoutMs;
    for (;;) {
      for (const node of nodes) {
        const exit = exits.get(node.nodeId);
        if (exit !== undefined) {
          await this.down();
          throw new StackError('BROKER_EXITED', `kafka ${node.nodeId} exited during start-up (${exit})`, {
            logFile: node.logFile,
            logTail: [...tailFile(node.stdoutFile, 10), ...tailFile(node.logFile, 20)],
          });
        }
      }
      const probe = await tryProbeKafka(
        LocalKafkaCluster.bootstrap(record),
        2_000,
        this.clientSecurity(record),
      );
      if (probe !== undefined && probe.brokers.length === nodes.length && probe.controller !== null) return;
      if (Date.now() >= deadline) {
        await this.down();
        const first = nodes[0];
        throw new StackError(
          'BROKER_TIMEOUT',
          `Kafka did not answer metadata with ${nodes.length} broker(s) within ${this.options.startTimeoutMs} ms`,
          first === undefined ? {} : { logFile: first.logFile, logTail: tailFile(first.logFile, 20) },
        );
      }
      await sleep(PROBE_INTERVAL_MS);
    }
  }
}

async function assertPortsFree(nodes: readonly KafkaNodeSpec[]): Promise<void> {
  for (const node of nodes) {
    for (const port of [node.port, node.controllerPort]) {
      if (!(await isPortFree(port, STACK_HOST))) {
        throw new StackError(
          'PORT_TAKEN',
          `port ${STACK_HOST}:${port} is taken by another process, so kafka ${node.nodeId} cannot start there. ` +
            `Stop that process, or point SPACELOG_KAFKA_BROKERS at a Kafka that is already running.`,
        );
      }
    }
  }
}
