import type { Selector } from '../space/Selector';
import type { ConsoleQueryResult } from './ConsoleDataSource';
import { CONSOLE_QUERY_CAP, type ConsoleQuery } from './consoleQuery';
import { toJsonValue } from './tailFormat';

type EntryValue = Readonly<Record<string, unknown>>;

/**
 * The reads the query box runs, on whatever answers them: a remote client of the units, or a grid in
 * this process. Nothing else is asked of it, so nothing else can be run through the console.
 */
export interface ConsoleQueryTarget {
  read(type: string, selector: Selector): Promise<EntryValue | null>;
  /** At most `limit` entries. */
  readMultiple(type: string, selector: Selector, limit: number): Promise<readonly EntryValue[]>;
  count(type: string, selector: Selector): Promise<number>;
}

/**
 * Runs a checked read-only query on `target`: at most {@link CONSOLE_QUERY_CAP} entries as JSON-ready
 * values, `capped` when more matched. A refusal (syntax, unknown type) rejects with the target's error.
 */
export async function runConsoleQuery(
  target: ConsoleQueryTarget,
  query: ConsoleQuery,
): Promise<ConsoleQueryResult> {
  const started = Date.now();
  const done = (entries: readonly EntryValue[], extra: { count?: number } = {}): ConsoleQueryResult => ({
    entries: entries.slice(0, CONSOLE_QUERY_CAP).map((e) => toJsonValue(e) as Record<string, unknown>),
    capped: entries.length > CONSOLE_QUERY_CAP,
    elapsedMs: Date.now() - started,
    ...extra,
  });
  switch (query.operation) {
    case 'read': {
      const entry = await target.read(query.type, query.selector);
      return done(entry === null ? [] : [entry]);
    }
    case 'readMultiple':
      // One more than the cap: tells "exactly the cap" from "more than the cap".
      return done(await target.readMultiple(query.type, query.selector, CONSOLE_QUERY_CAP + 1));
    case 'count':
      return done([], { count: await target.count(query.type, query.selector) });
  }
}
