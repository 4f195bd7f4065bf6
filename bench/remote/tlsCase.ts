/**
 * Issue 18's figure: remote read by id over TLS with password authentication against the same read
 * over plain TCP, sequential and pipelined, in the same run. Both servers run in the one serving
 * child over the same grid; rounds interleave the two sides (the side that goes first alternates)
 * and each case reports medians over rounds, with the ratio the median of the per-round ratios.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { RemoteSpace } from '../../src/client/RemoteSpace';
import { addUser, type CredentialsFileContent } from '../../src/net/security/Credentials';
import { makeTestCertificates } from '../../test/support/testCertificates';
import { emit, median, percentile, progress } from '../report';
import { closedLoop, type Figures } from './closedLoop';
import type { ServerChildSecurity } from './serverChild';
import type { ServerProcess } from './serverProcess';

const USER = 'bench';
const WARMUP_MS = 500;

/** A throw-away PKI and credentials file for the TLS server, and what its client connects with. */
export interface TlsSetup {
  readonly server: ServerChildSecurity;
  readonly ca: string;
  readonly password: string;
  /** Removes the temp folder (keys, certificates, credentials). */
  remove(): void;
}

/** Generates a CA and a server certificate (openssl) and a credentials file into a temp folder. */
export async function prepareTls(): Promise<TlsSetup> {
  const certs = makeTestCertificates([]);
  try {
    const password = `bench-${process.pid}-${Date.now().toString(36)}`;
    const users: CredentialsFileContent = await addUser({ version: 1, users: {} }, USER, password);
    const credentials = join(certs.dir, 'users.json');
    writeFileSync(credentials, JSON.stringify(users), { mode: 0o600 });
    // A grant per operation class (not '*'), so every request goes through the authorization check.
    const permissions = join(certs.dir, 'permissions.json');
    writeFileSync(permissions, JSON.stringify({ principals: { [USER]: { orders: ['read'] } } }), {
      mode: 0o600,
    });
    return {
      server: { key: certs.serverKey, cert: certs.serverCert, credentials, permissions },
      ca: certs.caCert,
      password,
      remove: () => certs.remove(),
    };
  } catch (error) {
    certs.remove();
    throw error;
  }
}

/** One side's measurement in one round. */
interface Sample {
  readonly figures: Figures;
  /** Client + server CPU time per read, microseconds. */
  readonly cpuUsPerRead: number;
}

export interface TlsCaseOptions {
  readonly rounds: number;
  readonly roundMs: number;
  readonly modes: readonly (readonly [name: string, inFlight: number])[];
}

/**
 * Runs the TLS and plain sides in interleaved rounds for each mode and emits one line per mode:
 * `tls-read-by-id-<mode>` with the plain side as its baseline.
 */
export async function tlsCases(
  server: ServerProcess,
  setup: TlsSetup,
  plain: RemoteSpace,
  read: (space: RemoteSpace, i: number) => Promise<void>,
  options: TlsCaseOptions,
): Promise<void> {
  const secure = await RemoteSpace.connect({
    bootstrap: [server.tlsEndpoint!],
    space: 'orders',
    tls: { ca: setup.ca },
    credentials: { username: USER, password: setup.password },
  });
  try {
    const measure = async (space: RemoteSpace, inFlight: number): Promise<Sample> => {
      await closedLoop(inFlight, WARMUP_MS, (i) => read(space, i));
      const serverBefore = await server.cpuMicros();
      const clientBefore = process.cpuUsage();
      const figures = await closedLoop(inFlight, options.roundMs, (i) => read(space, i));
      const client = process.cpuUsage(clientBefore);
      const serverMicros = (await server.cpuMicros()) - serverBefore;
      const cpu = client.user + client.system + serverMicros;
      return { figures, cpuUsPerRead: Math.round((cpu / figures.ops) * 10) / 10 };
    };
    for (const [mode, inFlight] of options.modes) {
      const tls: Sample[] = [];
      const tcp: Sample[] = [];
      const loads: number[] = [];
      for (let round = 0; round < options.rounds; round++) {
        loads.push(loadavg()[0]!);
        progress(`tls vs plain ${mode}, round ${round + 1}/${options.rounds}`);
        if (round % 2 === 0) {
          tcp.push(await measure(plain, inFlight));
          tls.push(await measure(secure, inFlight));
        } else {
          tls.push(await measure(secure, inFlight));
          tcp.push(await measure(plain, inFlight));
        }
      }
      loads.push(loadavg()[0]!);
      const rate = (s: Sample): number => s.figures.opsPerSec;
      const ratios = tls.map((s, i) => Math.round((rate(s) / rate(tcp[i]!)) * 1000) / 1000);
      const pooled = (samples: Sample[], p: number): number =>
        percentile(
          samples.flatMap((s) => s.figures.latencies),
          p,
        );
      emit({
        bench: 'remote',
        case: `tls-read-by-id-${mode}`,
        value: median(tls.map(rate)),
        unit: 'reads/s',
        baseline: { name: 'plain TCP', value: median(tcp.map(rate)) },
        ratio: median(ratios),
        p50_ms: pooled(tls, 50),
        p99_ms: pooled(tls, 99),
        baseline_p50_ms: pooled(tcp, 50),
        p50_ratio: Math.round((pooled(tls, 50) / pooled(tcp, 50)) * 1000) / 1000,
        baseline_p99_ms: pooled(tcp, 99),
        cpu_us_per_read: median(tls.map((s) => s.cpuUsPerRead)),
        baseline_cpu_us_per_read: median(tcp.map((s) => s.cpuUsPerRead)),
        in_flight: inFlight,
        rounds: options.rounds,
        round_ms: options.roundMs,
        round_ratios: ratios,
        load_average_1m: Math.round(median(loads) * 100) / 100,
        load_average_1m_range: [Math.min(...loads), Math.max(...loads)].map((l) => Math.round(l * 100) / 100),
      });
    }
  } finally {
    await secure.close();
  }
}
