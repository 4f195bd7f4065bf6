/**
 * A PostgreSQL of the test's own (own data folder, own port from 55432 up), for fault tests that stop
 * and start their database: `const pg = await startPrivatePostgres(); ... await pg.stop(); await pg.start();
 * ... await pg.destroy();`. Never the shared server. `startPrivatePostgres({ secure: true })` requires
 * TLS and a SCRAM password on every connection; `pg.databaseOptions()` is what the mirror needs to
 * reach it (URL, CA, password file).
 */
export { PostgresInstance, startPrivatePostgres } from '../../docker/launcher/PostgresInstance';
export type { PostgresStopMode, PrivatePostgresOptions } from '../../docker/launcher/PostgresInstance';
export { securePostgresLayout, SECURE_POSTGRES_USER } from '../../docker/launcher/securePostgres';
export type { SecurePostgresLayout } from '../../docker/launcher/securePostgres';
