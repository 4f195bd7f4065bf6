import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StackError } from '../../src/errors/stack';
import { LocalKafkaCluster } from '../../docker/launcher/LocalKafkaCluster';
import { isPortFree } from '../../docker/launcher/processes';
import {
  resolveStackOptions,
  STACK_HOST,
  type ResolvedStackOptions,
} from '../../docker/launcher/StackOptions';
import { StackState } from '../../docker/launcher/StackState';
import type { KafkaClientSecurity } from '../../docker/launcher/secureKafka';
import { testKafkaVersion } from './testKafkaVersion';

/** How a private cluster is secured (default: plain, as the shared stack). */
export interface PrivateKafkaOptions {
  /** SASL_SSL with SCRAM-SHA-512 and StandardAuthorizer, as `spacelog stack up --secure`. */
  readonly secure?: boolean;
  /** Secure only: the SCRAM users besides `admin` (default `['spacelog']`). */
  readonly scramUsers?: readonly string[];
  /** The Kafka release; default SPACELOG_TEST_KAFKA_VERSION, else the launcher's default. */
  readonly kafkaVersion?: string;
}

/** Private clusters pick a random base port in [base, base + span), far from the stack's 9092. */
const PRIVATE_KAFKA_PORT_BASE = 29_000;
const PRIVATE_KAFKA_PORT_SPAN = 1_000;
/** Controller ports sit this far above the broker ports of the same cluster. */
const CONTROLLER_PORT_OFFSET = 10;

/**
 * A KRaft cluster of the test's own (own state folder under the temporary folder, own ports from
 * 29000 up), started by the launcher's {@link LocalKafkaCluster}, for fault tests that stop and
 * restart brokers without touching the shared broker on 9092. Only the JVMs it started are ever
 * signalled. `const kafka = await PrivateKafkaCluster.start(3); ... await kafka.destroy();`
 */
export class PrivateKafkaCluster {
  /** Bootstrap list: `127.0.0.1:<port>` per broker. */
  readonly brokers: string[];

  private constructor(
    private readonly cluster: LocalKafkaCluster,
    private readonly state: StackState,
    readonly stateDir: string,
    readonly brokerPortBase: number,
  ) {
    const record = state.read().kafka;
    this.brokers = record === undefined ? [] : LocalKafkaCluster.bootstrap(record);
  }

  /** Starts `brokers` combined broker/controller nodes and waits until all answer metadata. */
  static async start(brokers = 3, secured: PrivateKafkaOptions = {}): Promise<PrivateKafkaCluster> {
    const kafkaVersion = secured.kafkaVersion ?? testKafkaVersion();
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const base = PRIVATE_KAFKA_PORT_BASE + 20 * Math.floor((Math.random() * PRIVATE_KAFKA_PORT_SPAN) / 20);
      if (!(await portsFree(base, brokers))) continue;
      const stateDir = mkdtempSync(path.join(os.tmpdir(), 'spacelog-kafka-'));
      const options: ResolvedStackOptions = {
        // The shared jar cache (SPACELOG_CACHE_DIR or ~/.cache/spacelog) is reused; nothing else is.
        ...resolveStackOptions({
          brokers,
          ...secured,
          ...(kafkaVersion === undefined ? {} : { kafkaVersion }),
        }),
        stateDir,
        brokerPortBase: base,
        controllerPortBase: base + CONTROLLER_PORT_OFFSET,
      };
      const state = new StackState(stateDir);
      const cluster = new LocalKafkaCluster(options, state);
      try {
        await cluster.up();
        return new PrivateKafkaCluster(cluster, state, stateDir, base);
      } catch (error) {
        // Most likely another process took a port between our check and the bind: try another base.
        lastError = error;
        await cluster.down().catch(() => undefined);
        rmSync(stateDir, { recursive: true, force: true });
        if (!(error instanceof StackError && error.failure === 'PORT_TAKEN')) throw error;
      }
    }
    throw lastError ?? new StackError('PORT_TAKEN', 'no free ports found for a private Kafka cluster');
  }

  /**
   * A secure cluster only: the kafkajs `ssl` and `sasl` settings that log in as `username`
   * (default its super user, `admin`).
   */
  kafkaSecurity(username?: string): KafkaClientSecurity {
    const security = this.cluster.clientSecurity(undefined, username);
    if (security === undefined) throw new Error(`not a secure cluster, or no user '${username ?? 'admin'}'`);
    return security;
  }

  /** The Apache Kafka release the cluster runs. */
  get version(): string | undefined {
    return this.state.read().kafka?.version;
  }

  /** The node ids (1..n). */
  get nodeIds(): number[] {
    return (this.state.read().kafka?.brokers ?? []).map((broker) => broker.nodeId);
  }

  /** The broker's log4j file, to read when a test fails. */
  logFile(nodeId: number): string | undefined {
    return this.state.read().kafka?.brokers.find((broker) => broker.nodeId === nodeId)?.logFile;
  }

  /**
   * Stops one broker (SIGTERM: a controlled shutdown; SIGKILL: a crash), leaves it down for `downMs`,
   * starts it again on the same data; resolves once the cluster lists every broker again (its replicas
   * may still be catching up).
   */
  async restartBroker(nodeId: number, downMs = 0, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.cluster.restartBroker(nodeId, { downMs, signal });
  }

  /** SIGSTOPs one broker for `ms` (a long GC pause, a frozen VM), then SIGCONTs it. */
  async pauseBroker(nodeId: number, ms: number): Promise<void> {
    const pid = this.state.read().kafka?.brokers.find((broker) => broker.nodeId === nodeId)?.pid;
    if (pid === undefined) throw new Error(`no broker ${nodeId} in this cluster`);
    process.kill(pid, 'SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, ms));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }

  /** Stops every broker it started and deletes the state folder. Safe to call twice. */
  async destroy(): Promise<void> {
    await this.cluster.down();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

async function portsFree(base: number, brokers: number): Promise<boolean> {
  for (let i = 0; i < brokers; i += 1) {
    if (!(await isPortFree(base + i, STACK_HOST))) return false;
    if (!(await isPortFree(base + CONTROLLER_PORT_OFFSET + i, STACK_HOST))) return false;
  }
  return true;
}
