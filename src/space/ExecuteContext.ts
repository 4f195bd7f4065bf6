import type { EntryType } from '../schema/EntryType';
import type { QueryParams } from './Selector';
import type { Selection } from './Selection';

/** Per-partition limits a grid or unit takes (`limits`): {@link EngineLimits} without its sizer. */
export type PartitionLimits = Omit<EngineLimits, 'recordBytes'>;

/** Per-partition limits. */
export interface EngineLimits {
  /** Max Avro-encoded size of one entry, bytes. Default 1 MiB. */
  readonly maxEntryBytes?: number;
  /**
   * The partition topic's `max.message.bytes`: the largest record batch Kafka takes. An entry whose log
   * record (key, envelope, headers, framing) could exceed it alone in a batch is refused with
   * EntryTooLargeError before it is applied. Default 1,048,588 (Kafka's default).
   */
  readonly maxRecordBytes?: number;
  /**
   * The largest log record an entry could make, bytes: the record format is the log's to know, so the
   * primary that hosts the engine passes it in. Without it only `maxEntryBytes` is checked. @internal
   */
  readonly recordBytes?: RecordSizer;
  /** Max live entries in the partition. Default 5,000,000. */
  readonly maxEntries?: number;
  /** Max id length, characters. Default 256. */
  readonly maxIdLength?: number;
}

/** Bytes of the largest log record an entry of `stateBytes` (its Avro encoding) could make. @internal */
export type RecordSizer = (type: string, id: string, origin: string, stateBytes: number) => number;

export const DEFAULT_MAX_ENTRY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_ENTRIES = 5_000_000;
export const DEFAULT_MAX_ID_LENGTH = 256;

/** Compiles a query selector for a type into a Selection (supplied by the query module adapter). */
export type QueryCompiler = (type: EntryType, query: string, params: QueryParams | undefined) => Selection;

/** What `execute` may know beyond the state: the primary's clock reading, identity and id source. */
export interface ExecuteContext {
  /** The primary's clock, epoch ms: lease expiry and mutation timestamps come from here only. */
  readonly now: number;
  /** Identity written into every mutation. */
  readonly origin: string;
  /** Id source for types with generated ids; the id lands in the mutation, so replay never calls it. */
  readonly nextId?: () => string;
  readonly limits?: EngineLimits;
  /** Query compiler; without one, query selectors are refused. */
  readonly queries?: QueryCompiler;
}
