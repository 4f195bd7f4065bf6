/**
 * What the jest globalSetup started, kept on `globalThis` because globalSetup and globalTeardown run
 * in the same process but not always with the same module registry. Teardown stops exactly this.
 */
export interface TestStackSession {
  /** The launcher started these brokers: stop them at teardown. */
  startedKafka: boolean;
  /** The launcher started this PostgreSQL: stop it at teardown. */
  startedPostgres: boolean;
  /** A private cluster of SPACELOG_TEST_KAFKA_VERSION (its own ports and folder): destroy it at teardown. */
  privateKafka?: { destroy(): Promise<void> };
  /** Containers started through testcontainers: stop them at teardown. */
  containers: { stop(): Promise<unknown> }[];
}

const KEY = '__spacelogTestStackSession';

/** The session of this jest run (created on first use). */
export function testStackSession(): TestStackSession {
  const holder = globalThis as unknown as Record<string, TestStackSession | undefined>;
  holder[KEY] ??= { startedKafka: false, startedPostgres: false, containers: [] };
  return holder[KEY];
}
