import type { LocalGrid } from '../cluster/LocalGrid';
import { KAFKA_CLIENT_IDS, openKafka } from '../log/connection/openKafka';
import { partitionTopic } from '../log/admin/topicNames';
import { historyTableOf, qualified } from '../mirror/naming';
import { openDatabase } from '../mirror/openMirrorDatabase';
import { mapEntryType } from '../mirror/TableMapping';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { DemoFigures } from './LoadFigures';

/** The PostgreSQL schema of the demo's mirror: `spacelog` for the default prefix, else one per prefix. */
export function demoMirrorSchema(prefix: string, defaultPrefix: string): string {
  if (prefix === defaultPrefix) return 'spacelog';
  return `spacelog_${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

/** What the demo's mirror needs to know to check it belongs to the running Kafka. */
export interface DemoMirrorTarget {
  readonly databaseUrl: string;
  readonly schema: string;
  readonly space: string;
  readonly partitions: number;
  readonly prefix: string;
  readonly brokers: readonly string[];
  readonly types: TypeRegistry;
}

/**
 * `stack up` starts an empty Kafka every time, while PostgreSQL keeps the mirror of the last run:
 * its offsets then point past the new logs' ends and its rows belong to a log that is gone. The demo
 * (never the product: a mirror is not wiped behind anyone's back) empties the space's mirror tables
 * and offsets in that case, so the new run mirrors from offset 0. Returns true when it did. A
 * database that does not answer is left alone (the mirror waits for it).
 */
export async function resetStaleDemoMirror(target: DemoMirrorTarget): Promise<boolean> {
  const knex = openDatabase(target.databaseUrl, { max: 1, acquireTimeoutMs: 3_000 });
  const admin = openKafka({ brokers: target.brokers }, { clientId: KAFKA_CLIENT_IDS.demo }).kafka.admin();
  try {
    const exists = (await knex.raw('SELECT to_regclass(?) AS t', [
      qualified(target.schema, 'spacelog_offsets'),
    ])) as { rows: { t: string | null }[] };
    if (exists.rows[0]?.t == null) return false;
    const rows = (await knex
      .withSchema(target.schema)
      .table('spacelog_offsets')
      .select('partition', 'topic_offset')
      .where({ space: target.space })) as { partition: number; topic_offset: string }[];
    if (rows.length === 0) return false;
    await admin.connect();
    const topics = new Set(await admin.listTopics());
    let stale = false;
    for (const row of rows) {
      const topic = partitionTopic(target.prefix, target.space, Number(row.partition));
      const end = topics.has(topic)
        ? Number((await admin.fetchTopicOffsets(topic)).find((p) => p.partition === 0)?.high ?? 0)
        : 0;
      if (Number(row.topic_offset) > end) stale = true;
    }
    if (!stale) return false;
    await knex.transaction(async (trx) => {
      await trx.withSchema(target.schema).table('spacelog_offsets').where({ space: target.space }).delete();
      const tables = [...target.types].map(
        (t) => mapEntryType(target.space, t, target.schema).qualifiedTable,
      );
      const history = qualified(target.schema, historyTableOf(target.space));
      const existing = (await trx.raw('SELECT to_regclass(?) AS t', [history])) as {
        rows: { t: string | null }[];
      };
      if (existing.rows[0]?.t != null) tables.push(history);
      const present: string[] = [];
      for (const table of tables) {
        const found = (await trx.raw('SELECT to_regclass(?) AS t', [table])) as {
          rows: { t: string | null }[];
        };
        if (found.rows[0]?.t != null) present.push(table);
      }
      if (present.length > 0) await trx.raw(`TRUNCATE ${present.join(', ')}`);
    });
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
    await knex.destroy().catch(() => undefined);
  }
}

/** The mirror's lag for the figures line: summed over partitions, `waiting` while it does not run. */
export async function demoMirrorLag(grid: LocalGrid): Promise<DemoFigures['mirrorLag']> {
  const mirror = grid.mirror;
  if (mirror === undefined) return undefined;
  try {
    const lag = await mirror.lag();
    const records = lag.reduce((n, l) => n + l.records, 0);
    const ages = lag.map((l) => l.seconds);
    const seconds = ages.some((s) => s === null) ? null : Math.max(0, ...(ages as number[]));
    return { records, seconds };
  } catch {
    return 'waiting';
  }
}

/** The reporting queries the demo suggests (docs/mirror.md has more). */
export function demoQueries(schema: string, space: string): string[] {
  // Both are plain lower-case identifiers (the demo's schema and space), no quoting needed.
  const t = (name: string): string => `${schema}.${space}_${name}`;
  return [
    `SELECT status, count(*) AS orders, round(sum(total)::numeric, 2) AS revenue FROM ${t('order')} GROUP BY status ORDER BY status;`,
    `SELECT c.name, c.city, count(o.id) AS orders FROM ${t('customer')} c JOIN ${t('order')} o ON o.customer_id = c.id GROUP BY c.id ORDER BY orders DESC LIMIT 5;`,
  ];
}
