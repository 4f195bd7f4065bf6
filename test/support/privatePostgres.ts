/**
 * A PostgreSQL of the test's own (own data folder, own port from 55432 up), for fault tests that stop
 * and start their database: `const pg = await startPrivatePostgres(); ... await pg.stop(); await pg.start();
 * ... await pg.destroy();`. Never the shared server.
 */
export { PostgresInstance, startPrivatePostgres } from '../../docker/launcher';
export type { PostgresStopMode } from '../../docker/launcher';
