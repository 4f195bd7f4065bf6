import { Client } from 'pg';

/** What a PostgreSQL server says about itself. */
export interface PostgresProbeResult {
  /** `show server_version`, e.g. "15.14 (Debian 15.14-0+deb12u1)". */
  readonly serverVersion: string;
  /** `select version()`: the full build string. */
  readonly description: string;
}

/** Connects once and asks for the server's version; rejects when it does not answer within `timeoutMs`. */
export async function probePostgres(url: string, timeoutMs = 3_000): Promise<PostgresProbeResult> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A failed connection also emits 'error'; without a listener that would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const version = await client.query<{ server_version: string }>('show server_version');
    const description = await client.query<{ version: string }>('select version() as version');
    return {
      serverVersion: version.rows[0]?.server_version ?? 'unknown',
      description: description.rows[0]?.version ?? 'unknown',
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Probes without throwing: the versions, or undefined when the server does not answer. */
export async function tryProbePostgres(
  url: string,
  timeoutMs = 3_000,
): Promise<PostgresProbeResult | undefined> {
  try {
    return await probePostgres(url, timeoutMs);
  } catch {
    return undefined;
  }
}
