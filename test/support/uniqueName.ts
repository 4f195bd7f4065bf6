import { randomBytes } from 'node:crypto';

/**
 * A name no other test (or earlier run) uses: `<prefix><separator><8 random hex chars>`.
 * The default separator `-` suits Kafka topics and group ids; use `_` for SQL identifiers.
 */
export function uniqueName(prefix: string, separator = '-'): string {
  return `${prefix}${separator}${randomBytes(4).toString('hex')}`;
}
