import { EntryTooLargeError } from '../errors';
import { DEFAULT_MAX_ENTRY_BYTES, type ExecuteContext } from './ExecuteContext';

/**
 * Refuses, before anything is applied, an entry of `stateBytes` (its Avro encoding) over
 * `maxEntryBytes`, or one whose log record — key, envelope, headers and Kafka's framing, alone in a
 * record batch — could exceed `maxRecordBytes` (the partition topic's `max.message.bytes`): Kafka would
 * refuse that record after the engine applied it, failing its whole group-commit batch.
 * @internal
 */
export function checkEntrySize(type: string, id: string, stateBytes: number, ctx: ExecuteContext): void {
  const maxEntryBytes = ctx.limits?.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  if (stateBytes > maxEntryBytes) {
    throw new EntryTooLargeError(stateBytes, maxEntryBytes, {
      type,
      entryId: id,
      limitName: 'maxEntryBytes',
    });
  }
  const maxRecordBytes = ctx.limits?.maxRecordBytes;
  const sizer = ctx.limits?.recordBytes;
  if (maxRecordBytes === undefined || sizer === undefined) return;
  const recordBytes = sizer(type, id, ctx.origin, stateBytes);
  if (recordBytes > maxRecordBytes) {
    throw new EntryTooLargeError(recordBytes, maxRecordBytes, {
      type,
      entryId: id,
      limitName: 'maxRecordBytes',
      what: `log record of an entry of ${stateBytes} bytes`,
    });
  }
}
