import type { Knex } from 'knex';
import { MirrorWaitTimeoutError } from '../errors';
import { DEFAULT_MIRROR_SCHEMA } from './MirrorConfig';
import { OffsetStore } from './OffsetStore';

/** A record in a partition log (an acknowledged write's position). */
export interface MirrorPosition {
  readonly partition: number;
  readonly offset: number;
}

/** How often `waitForMirror` polls `spacelog_offsets`. */
export const DEFAULT_MIRROR_POLL_MS = 50;

/**
 * Read-your-writes from any process: resolves once the mirror has applied the record at `position`
 * (its `spacelog_offsets` position is past `offset`), polling the table; rejects with
 * MirrorWaitTimeoutError after `timeoutMs`. Database errors while polling are retried until then.
 */
export async function waitForMirror(
  knex: Knex,
  space: string,
  position: MirrorPosition,
  timeoutMs: number,
  options: { readonly schema?: string; readonly pollMs?: number } = {},
): Promise<void> {
  const store = new OffsetStore(options.schema ?? DEFAULT_MIRROR_SCHEMA, space);
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const applied = (await store.readAll(knex)).get(position.partition) ?? 0;
      if (applied > position.offset) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new MirrorWaitTimeoutError(
        `mirror of space ${space} did not apply offset ${position.offset} of partition ${position.partition} ` +
          `within ${timeoutMs} ms`,
        {
          space,
          partition: position.partition,
          offset: String(position.offset),
          ...(lastError === undefined ? {} : { cause: lastError }),
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? DEFAULT_MIRROR_POLL_MS));
  }
}
