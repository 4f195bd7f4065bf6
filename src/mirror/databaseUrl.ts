import { ConnectionConfigError } from '../errors/connection';

/** The PostgreSQL of a local stack (trust auth on loopback). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** `SPACELOG_DATABASE_URL`, else the local default. */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.SPACELOG_DATABASE_URL?.trim();
  return value === undefined || value === '' ? DEFAULT_DATABASE_URL : value;
}

/** A database URL with its password (in the authority or a `password=` parameter) replaced by `***`. */
export function redactDatabaseUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/**
 * Checks a `--database <url>` command-line value: a URL carrying a password is refused, since anyone
 * on the machine reads a process's arguments (`ps`, /proc/<pid>/cmdline) and shells keep them in their
 * history. The password belongs in SPACELOG_DATABASE_PASSWORD_FILE or PGPASSWORD (or the whole URL in
 * SPACELOG_DATABASE_URL). The error shows the URL with the password redacted.
 */
export function checkDatabaseArgument(url: string, option = '--database'): string {
  if (redactDatabaseUrl(url) !== url) {
    throw new ConnectionConfigError(
      `${option} ${redactDatabaseUrl(url)}: a password on the command line is visible to every user of this machine ` +
        `(ps, /proc/<pid>/cmdline); put it in SPACELOG_DATABASE_PASSWORD_FILE or PGPASSWORD, or the URL in SPACELOG_DATABASE_URL`,
      option,
    );
  }
  return url;
}
