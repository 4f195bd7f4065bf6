import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StackError } from '../../src/errors/stack';
import { CommandResult, findExecutable, runCommand } from './processes';

/** Where Debian and Ubuntu install PostgreSQL's server programs, one folder per major version. */
const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';

/** The PostgreSQL server programs (initdb, pg_ctl) and how to run them. */
export interface PostgresTools {
  readonly binDir: string;
  /** Major version of the programs, e.g. "15". */
  readonly majorVersion: string;
  /** True when commands run as the `postgres` user, because initdb and postgres refuse root. */
  readonly asPostgresUser: boolean;
}

/** Finds initdb and pg_ctl: the newest /usr/lib/postgresql/<v>/bin, else the folder of `initdb` on PATH. */
export function findPostgresTools(): PostgresTools {
  const asPostgresUser = process.getuid?.() === 0;
  if (existsSync(DEBIAN_POSTGRES_ROOT)) {
    const versions = readdirSync(DEBIAN_POSTGRES_ROOT)
      .filter((entry) => existsSync(path.join(DEBIAN_POSTGRES_ROOT, entry, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    const newest = versions[0];
    if (newest !== undefined) {
      return { binDir: path.join(DEBIAN_POSTGRES_ROOT, newest, 'bin'), majorVersion: newest, asPostgresUser };
    }
  }
  const initdb = findExecutable('initdb');
  if (initdb === undefined) {
    throw new StackError(
      'POSTGRES_UNAVAILABLE',
      'no PostgreSQL answers and no PostgreSQL server programs (initdb) were found to start one ' +
        '(on Debian/Ubuntu: apt-get install postgresql). Or set SPACELOG_DATABASE_URL.',
    );
  }
  return { binDir: path.dirname(initdb), majorVersion: 'unknown', asPostgresUser };
}

/**
 * Runs a PostgreSQL program (initdb, pg_ctl...), as the `postgres` user when we are root. The working
 * folder is the temporary folder, which that user can read (ours, e.g. /root, it may not).
 */
export async function runPostgresTool(
  tools: PostgresTools,
  program: string,
  args: readonly string[],
  timeoutMs = 120_000,
): Promise<CommandResult> {
  const executable = path.join(tools.binDir, program);
  if (!tools.asPostgresUser) return runCommand(executable, args, { cwd: os.tmpdir(), timeoutMs });
  const runuser = findExecutable('runuser', `${process.env['PATH'] ?? ''}${path.delimiter}/usr/sbin:/sbin`);
  if (runuser === undefined) {
    throw new StackError(
      'POSTGRES_UNAVAILABLE',
      'running as root, and runuser is missing to run PostgreSQL as postgres',
    );
  }
  return runCommand(runuser, ['-u', 'postgres', '--', executable, ...args], { cwd: os.tmpdir(), timeoutMs });
}

/** uid and gid of the `postgres` user, who must own data folders when we run as root. */
export async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  const uid = await runCommand('id', ['-u', 'postgres']);
  const gid = await runCommand('id', ['-g', 'postgres']);
  if (uid.code !== 0 || gid.code !== 0) {
    throw new StackError(
      'POSTGRES_UNAVAILABLE',
      'running as root, and there is no postgres user to run PostgreSQL as (PostgreSQL refuses to run as root)',
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
