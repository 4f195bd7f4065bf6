/** The PostgreSQL of a local stack (trust auth on loopback). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** `SPACELOG_DATABASE_URL`, else the local default. */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.SPACELOG_DATABASE_URL?.trim();
  return value === undefined || value === '' ? DEFAULT_DATABASE_URL : value;
}
