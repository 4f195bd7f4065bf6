/**
 * Issue 18's second figure: sync writes of new Orders at 256 writers through an in-process grid on
 * Kafka over SASL_SSL (SCRAM-SHA-512, TLS, StandardAuthorizer) against the same grid on Kafka over
 * PLAINTEXT, in the same run. The bench starts two private one-broker clusters of the same release
 * (the launcher's, as `spacelog stack up` and `stack up --secure` start them, on their own ports and
 * state folders), runs interleaved rounds (the side that goes first alternates, fresh topics each
 * round) after an unmeasured pass on each broker, and stops both clusters after. The grid logs in as
 * the cluster's super user, so no ACLs are needed (a super user skips the ACL evaluation; an ACL'd
 * principal adds one lookup per request).
 */
import { loadavg } from 'node:os';
import { LocalGrid } from '../../src/cluster/LocalGrid';
import type { GridOptions } from '../../src/cluster/GridConfig';
import { ADMIN_USER, passwordFile, secureLayout } from '../../docker/launcher/secureKafka';
import { PrivateKafkaCluster } from '../../test/support/privateKafkaCluster';
import { closedLoop, SCHEMAS, uniquePrefix, type LoopResult } from '../kafkaBench';
import { makeOrder, rng } from '../orders';
import { emit, median, progress } from '../report';

const PARTITIONS = 4;
const WRITERS = 256;

export interface SecureCaseOptions {
  readonly rounds: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

type KafkaOptions = NonNullable<GridOptions['kafka']>;

/** Starts both clusters, runs the rounds, emits `sasl-ssl-sync-256-writers`, stops both clusters. */
export async function secureWriteCase(options: SecureCaseOptions): Promise<void> {
  progress('starting a PLAINTEXT and a SASL_SSL private Kafka (one broker each)');
  const started = Date.now();
  const [plain, secure] = await Promise.allSettled([
    PrivateKafkaCluster.start(1),
    PrivateKafkaCluster.start(1, { secure: true }),
  ]);
  try {
    if (plain.status === 'rejected') throw plain.reason;
    if (secure.status === 'rejected') throw secure.reason;
    progress(`both started in ${Date.now() - started} ms (Kafka ${secure.value.version ?? '?'})`);
    const layout = secureLayout(secure.value.stateDir);
    const sides: Record<'plaintext' | 'sasl-ssl', KafkaOptions> = {
      plaintext: { brokers: plain.value.brokers },
      'sasl-ssl': {
        brokers: secure.value.brokers,
        ssl: { ca: layout.caFile },
        sasl: {
          mechanism: 'scram-sha-512',
          username: ADMIN_USER,
          passwordFile: passwordFile(layout, ADMIN_USER),
        },
      },
    };
    const prefix = uniquePrefix('write-secure');
    const random = rng(13);
    const results: Record<keyof typeof sides, LoopResult[]> = { plaintext: [], 'sasl-ssl': [] };
    const loads: number[] = [];
    // Both brokers are fresh JVMs: an unmeasured pass on each first, so round 1 does not time a JIT.
    for (const side of ['plaintext', 'sasl-ssl'] as const) {
      progress(`warming the ${side} broker`);
      const grid = await LocalGrid.start({
        space: `${side.replace('-', '')}warm`,
        partitions: PARTITIONS,
        schemas: SCHEMAS,
        prefix,
        kafka: sides[side],
      });
      try {
        await closedLoop(WRITERS, 0, options.warmupMs * 2, (_, n) =>
          grid.space.write('Order', makeOrder(n, random, `${side}-warm-`)),
        );
      } finally {
        await grid.close();
      }
    }
    for (let round = 0; round < options.rounds; round++) {
      loads.push(loadavg()[0]!);
      const order =
        round % 2 === 0 ? (['plaintext', 'sasl-ssl'] as const) : (['sasl-ssl', 'plaintext'] as const);
      for (const side of order) {
        const space = `${side.replace('-', '')}r${round}`;
        progress(`round ${round + 1}/${options.rounds}: grid over ${side}, ${WRITERS} writers`);
        const grid = await LocalGrid.start({
          space,
          partitions: PARTITIONS,
          schemas: SCHEMAS,
          prefix,
          kafka: sides[side],
        });
        try {
          const r = await closedLoop(WRITERS, options.warmupMs, options.measureMs, (_, n) =>
            grid.space.write('Order', makeOrder(n, random, `${space}-`)),
          );
          results[side].push(r);
        } finally {
          await grid.close();
        }
      }
      const rates = [results.plaintext[round]!, results['sasl-ssl'][round]!].map((r) => r.opsPerSecond);
      progress(`round ${round + 1}: PLAINTEXT ${rates[0]}, SASL_SSL ${rates[1]} writes/s`);
    }
    loads.push(loadavg()[0]!);
    const ours = results['sasl-ssl'];
    const base = results.plaintext;
    const of = (rs: LoopResult[], pick: (r: LoopResult) => number): number => median(rs.map(pick));
    const ratios = ours.map((r, i) => Math.round((r.opsPerSecond / base[i]!.opsPerSecond) * 1000) / 1000);
    emit({
      bench: 'write',
      case: `sasl-ssl-sync-${WRITERS}-writers`,
      value: of(ours, (r) => r.opsPerSecond),
      unit: 'writes/s',
      baseline: { name: 'PLAINTEXT', value: of(base, (r) => r.opsPerSecond) },
      ratio: median(ratios),
      p50_ms: of(ours, (r) => r.p50),
      p99_ms: of(ours, (r) => r.p99),
      baseline_p50_ms: of(base, (r) => r.p50),
      baseline_p99_ms: of(base, (r) => r.p99),
      cpu_us_per_write: of(ours, (r) => r.cpuUsPerOp),
      baseline_cpu_us_per_write: of(base, (r) => r.cpuUsPerOp),
      rounds: options.rounds,
      round_ratios: ratios,
      kafka_version: secure.value.version,
      load_average_1m: Math.round(median(loads) * 100) / 100,
      load_average_1m_range: [Math.min(...loads), Math.max(...loads)].map((l) => Math.round(l * 100) / 100),
    });
  } finally {
    progress('stopping both private clusters');
    await Promise.all(
      [plain, secure].map((c) => (c.status === 'fulfilled' ? c.value.destroy() : Promise.resolve())),
    );
  }
}
