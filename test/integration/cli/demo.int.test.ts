import { Kafka, logLevel } from 'kafkajs';
import knex from 'knex';
import { demoMirrorSchema } from '../../../src/demo/demoMirror';
import { deleteTopicsByPrefix, testDatabaseUrl, testKafkaBrokers, uniqueName } from '../../support';
import { runCli } from './cliProcess';

/**
 * Smoke test of the Quick start (`npm start` = `spacelog demo`) against the test Kafka: the
 * environment names the brokers, so the demo leaves the local stack alone.
 */
describe('spacelog demo', () => {
  const brokers = testKafkaBrokers();
  const prefix = uniqueName('tdemo');

  const databaseUrl = testDatabaseUrl();
  const schema = demoMirrorSchema(prefix, 'spacelog');

  afterAll(async () => {
    const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
    await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
    await db.destroy();
    const admin = new Kafka({ clientId: 'cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await deleteTopicsByPrefix(admin, `${prefix}.`);
    await admin.disconnect();
  });

  it('--duration 5 warms up, runs the load, prints live figures once a second and exits 0', async () => {
    const result = await runCli(
      ['demo', '--duration', '5', '--prefix', prefix, '--partitions', '2', '--rate', '200'],
      { SPACELOG_KAFKA_BROKERS: brokers.join(','), SPACELOG_DATABASE_URL: databaseUrl },
      120_000,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toContain(`kafka: ${brokers.join(',')} (SPACELOG_KAFKA_BROKERS)`);
    expect(lines.some((l) => l.startsWith(`space 'orders' serves: 2 partitions`))).toBe(true);
    expect(lines).toContain(`watch the log:   npx spacelog tail orders --prefix ${prefix}`);
    const figures = lines.filter((l) => /^\d+s {2}writes\/s [\d,]+ {2}takes\/s [\d,]+ {2}p99 write /.test(l));
    expect(figures.length).toBeGreaterThanOrEqual(3);
    // The seed wrote the catalogue and the customers before the load: the counts show them.
    expect(figures.at(-1)).toContain('Customer 200 · Product 20 · Order ');
    expect(figures.at(-1)).toMatch(/errors 0$/);
    // The embedded mirror: its schema, its lag in the figures, the psql hint, and a catch-up at the end.
    expect(lines.some((l) => l.startsWith(`mirror: PostgreSQL `) && l.includes(`schema ${schema}`))).toBe(
      true,
    );
    expect(figures.every((l) => / {2}mirror (lag [\d,]+( rec( [\d.]+ s)?)?|waiting) {2}errors/.test(l))).toBe(
      true,
    );
    expect(lines.some((l) => l.includes(`psql `) && l.includes(`FROM ${schema}.orders_order`))).toBe(true);
    expect(lines).toContain('mirror caught up with the log');
    const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
    try {
      const [row] = (await db.withSchema(schema).table('orders_customer').count('* as n')) as { n: string }[];
      expect(Number(row?.n)).toBe(200);
    } finally {
      await db.destroy();
    }
    const summary = lines.find((l) => l.startsWith('stopped after '));
    expect(summary).toMatch(/^stopped after \d+ s: [\d,]+ writes, [\d,]+ takes, 0 errors$/);
    expect(Number(/: ([\d,]+) writes/.exec(summary!)![1]!.replace(/,/g, ''))).toBeGreaterThan(0);
    // Nothing of the stack was touched.
    expect(result.stdout).not.toContain('stopping the');
    expect(result.stdout).not.toContain('bringing the local stack up');
  }, 120_000);
});
