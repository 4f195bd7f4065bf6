import { MirrorPoisonRecordError } from '../errors';
import type { Mutation } from '../space/Mutation';
import { toSqlJson, ValueMappingError } from './sqlValues';
import type { TableMapping } from './TableMapping';

/** A decoded mutation and the offset of its record in the partition log. */
export interface LoggedMutation {
  readonly mutation: Mutation;
  readonly offset: number;
  /** The record as logged, kept to dead-letter it if it cannot be applied. */
  readonly raw?: RawRecord;
}

/** A log record's bytes as Kafka holds them. */
export interface RawRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** A row as `jsonb_populate_recordset` reads it: column name → JSON value. */
export type MirrorRow = Record<string, unknown>;

/** What a batch does to one table. */
export interface TableChanges {
  readonly mapping: TableMapping;
  /** Ids whose row goes (taken or expired last, or about to be replaced by a life begun in the batch). */
  readonly deletes: string[];
  /** Final states, one per id. */
  readonly upserts: MirrorRow[];
  /**
   * Per upsert (same order): its id is among `deletes` (a life begun in the batch), so once the deletes
   * ran it is a plain INSERT, which PostgreSQL does without ON CONFLICT's speculative insertion.
   */
  readonly fresh: boolean[];
  /** The mutation each upsert comes from (same order), to name a row PostgreSQL refuses. */
  readonly sources: LoggedMutation[];
}

interface KeyState {
  readonly type: string;
  last: LoggedMutation;
  /** The entry's current life began in this batch (a WRITE): the old row must go before the new one lands. */
  fresh: boolean;
}

/**
 * Coalesces a batch of one partition by key, last state wins: per `type/id` only the final full state
 * is upserted, and a TAKE / EXPIRE after anything means a delete. Versions restart at 1 after a take,
 * so an id taken and written again within the batch is deleted and inserted (the upsert alone would
 * refuse to go from version n back to 1). Throws MirrorPoisonRecordError for a mutation of a type the
 * mirror does not know or a state that cannot be mapped, naming its offset, type and id.
 */
export function coalesce(
  batch: readonly LoggedMutation[],
  mappings: ReadonlyMap<string, TableMapping>,
  context: { readonly space: string; readonly partition: number },
): TableChanges[] {
  const keys = new Map<string, KeyState>();
  for (const logged of batch) {
    const { type, id, op } = logged.mutation;
    const key = `${type}\u0000${id}`;
    const state = keys.get(key);
    const fresh = op === 'WRITE' || (op === 'UPDATE' && state?.fresh === true);
    if (state === undefined) keys.set(key, { type, last: logged, fresh });
    else {
      state.last = logged;
      state.fresh = fresh;
    }
  }
  const tables = new Map<string, TableChanges>();
  for (const { type, last, fresh } of keys.values()) {
    const mapping = mappings.get(type);
    if (mapping === undefined)
      throw poison(last, context, `type ${type} is not one of the mirror's entry types`);
    let changes = tables.get(type);
    if (changes === undefined) {
      changes = { mapping, deletes: [], upserts: [], fresh: [], sources: [] };
      tables.set(type, changes);
    }
    const { mutation } = last;
    if (mutation.op === 'TAKE' || mutation.op === 'EXPIRE') {
      changes.deletes.push(mutation.id);
      continue;
    }
    if (fresh) changes.deletes.push(mutation.id);
    changes.upserts.push(rowOf(mapping, last, context));
    changes.fresh.push(fresh);
    changes.sources.push(last);
  }
  return [...tables.values()];
}

/** The row of a WRITE / UPDATE: every field converted for its column, plus the bookkeeping columns. */
export function rowOf(
  mapping: TableMapping,
  logged: LoggedMutation,
  context: { readonly space: string; readonly partition: number },
): MirrorRow {
  const { mutation, offset } = logged;
  const state = mutation.state;
  if (state === null) throw poison(logged, context, `${mutation.op} without a state`);
  const row: MirrorRow = {};
  for (const column of mapping.columns) {
    try {
      row[column.name] = toSqlJson(column.kind, state[column.field]);
    } catch (error) {
      if (!(error instanceof ValueMappingError)) throw error;
      throw poison(logged, context, `field ${column.field}: ${error.reason}`);
    }
    if (row[column.name] === null && !column.nullable) {
      throw poison(logged, context, `field ${column.field} is missing`);
    }
  }
  row._version = mutation.version;
  row._partition = context.partition;
  row._offset = offset;
  const instants = instantsOf(logged, context);
  row._updated_at = instants.timestamp;
  row._lease_expires_at = instants.leaseExpiresAt;
  return row;
}

/** A mutation's timestamp and lease expiry as column values (a poison if either is out of range). */
function instantsOf(
  logged: LoggedMutation,
  context: { readonly space: string; readonly partition: number },
): { timestamp: unknown; leaseExpiresAt: unknown } {
  const { mutation } = logged;
  try {
    return {
      timestamp: toSqlJson('timestamp-millis', mutation.timestamp),
      leaseExpiresAt:
        mutation.leaseExpiresAt === null ? null : toSqlJson('timestamp-millis', mutation.leaseExpiresAt),
    };
  } catch (error) {
    if (!(error instanceof ValueMappingError)) throw error;
    throw poison(logged, context, `timestamp or lease: ${error.reason}`);
  }
}

/** The `<space>_history` row of a mutation: its log position, bookkeeping and full state (fields by name). */
export function historyRowOf(
  mappings: ReadonlyMap<string, TableMapping>,
  logged: LoggedMutation,
  context: { readonly space: string; readonly partition: number },
): MirrorRow {
  const { mutation, offset } = logged;
  let state: Record<string, unknown> | null = null;
  if (mutation.state !== null) {
    const mapping = mappings.get(mutation.type);
    if (mapping === undefined) throw poison(logged, context, `type ${mutation.type} is not mirrored`);
    const row = rowOf(mapping, logged, context);
    state = {};
    for (const column of mapping.columns) state[column.field] = row[column.name];
  }
  const instants = instantsOf(logged, context);
  return {
    partition: context.partition,
    offset,
    op: mutation.op,
    type: mutation.type,
    id: mutation.id,
    version: mutation.version,
    timestamp: instants.timestamp,
    lease_expires_at: instants.leaseExpiresAt,
    origin: mutation.origin,
    state,
  };
}

/** The typed error of a record the mirror cannot project. */
export function poison(
  logged: LoggedMutation,
  context: { readonly space: string; readonly partition: number },
  reason: string,
  cause?: unknown,
): MirrorPoisonRecordError {
  const { mutation, offset } = logged;
  return new MirrorPoisonRecordError(
    `cannot mirror ${mutation.op} ${mutation.type}/${mutation.id} v${mutation.version} at offset ${offset} ` +
      `of partition ${context.partition}: ${reason}`,
    {
      space: context.space,
      partition: context.partition,
      type: mutation.type,
      entryId: mutation.id,
      offset: String(offset),
      ...(cause === undefined ? {} : { cause }),
    },
  );
}
