/**
 * The test helpers other suites build on: child processes killed with SIGKILL, and private PostgreSQL
 * instances that can be stopped and started at will.
 */
import { Client } from 'pg';
import { existsSync } from 'node:fs';
import { PostgresInstance, spawnChild, startPrivatePostgres } from '../support';

jest.setTimeout(90_000);

describe('spawnChild', () => {
  it('talks to a compiled child over stdout and IPC, and kills it with SIGKILL', async () => {
    const child = spawnChild('test/support/fixtures/echoChild.ts', ['--role', 'primary']);
    try {
      const ready = await child.nextMessage((m) => m['type'] === 'ready');
      expect(ready).toEqual({ type: 'ready', pid: child.pid, argv: ['--role', 'primary'] });

      child.send({ type: 'ping', n: 7 });
      const echo = await child.nextMessage((m) => m['type'] === 'echo');
      expect(echo['payload']).toEqual({ type: 'ping', n: 7 });
    } finally {
      const exit = await child.kill();
      expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    }
  });

  it('reports a clean exit', async () => {
    const child = spawnChild('test/support/fixtures/echoChild.ts');
    await child.nextMessage((m) => m['type'] === 'ready');
    child.send({ type: 'exit', code: 3 });
    await expect(child.exited).resolves.toEqual({ code: 3, signal: null });
  });
});

describe('startPrivatePostgres', () => {
  let pg: PostgresInstance | undefined;

  afterEach(async () => {
    await pg?.destroy();
  });

  it('keeps its data across a stop and a crash, and is gone after destroy', async () => {
    pg = await startPrivatePostgres();
    expect(pg.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(pg.port).not.toBe(5432);
    await query(pg.url, 'create table kept (n int); insert into kept values (42)');

    await pg.stop();
    expect(pg.running).toBe(false);
    await expect(query(pg.url, 'select 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await pg.start();
    expect(await query(pg.url, 'select n from kept')).toEqual([{ n: 42 }]);

    await pg.stop('immediate');
    await pg.start();
    expect(await query(pg.url, 'select n from kept')).toEqual([{ n: 42 }]);

    const dataDir = pg.dataDir;
    await pg.destroy();
    pg = undefined;
    expect(existsSync(dataDir)).toBe(false);
  });
});

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const result = await client.query(sql);
    return Array.isArray(result) ? [] : result.rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}
