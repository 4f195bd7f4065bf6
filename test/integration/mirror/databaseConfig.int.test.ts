import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { openDatabase } from '../../../src/mirror/openMirrorDatabase';
import { testDatabaseUrl } from '../../support/endpoints';

/** What node-postgres connected with (its client keeps the password as a hidden property). */
interface PgClient {
  readonly connectionParameters: { readonly password?: string; readonly ssl?: unknown };
}

describe('PostgreSQL settings reach node-postgres', () => {
  let dir: string;
  let knex: Knex | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'spacelog-db-int-'));
  });
  afterEach(async () => {
    await knex?.destroy();
    knex = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  // The shared server trusts loopback connections (any password works), so the test asserts on the
  // settings of the live connection: the password file's content is what node-postgres sent.
  it('connects with the password of a password file, which node-postgres holds hidden', async () => {
    const passwordFile = path.join(dir, 'pg-password');
    writeFileSync(passwordFile, 'from-the-file\n', { mode: 0o600 });
    knex = openDatabase({ url: testDatabaseUrl(), passwordFile, ssl: false }, { max: 1 });
    const connection = (await knex.client.acquireConnection()) as PgClient;
    try {
      expect(connection.connectionParameters.password).toBe('from-the-file');
      expect(connection.connectionParameters.ssl).toBe(false);
      expect(JSON.stringify(connection.connectionParameters)).not.toContain('from-the-file');
    } finally {
      await knex.client.releaseConnection(connection);
    }
    const rows = (await knex.raw('SELECT 1 AS one')) as { rows: { one: number }[] };
    expect(rows.rows[0]?.one).toBe(1);
  });
});
