import type { SpacelogError } from '../errors';
import { fromErrorRecord, toErrorRecord } from '../errors/errorRecord';
import type { WireError } from './protocol';
import { fromWireJson, toWireJson } from './wireJson';

/**
 * Turns any thrown value into its wire form: its ErrorRecord, with the class's own fields as wire JSON
 * (the protocol's Avro schema has no type for arbitrary fields).
 * @internal
 */
export function toWireError(error: unknown): WireError {
  const record = toErrorRecord(error);
  return { ...record, details: toWireJson(record.details).toString('utf8') };
}

/**
 * Rebuilds the typed error a server threw (see fromErrorRecord).
 * @internal
 */
export function fromWireError(wire: WireError): SpacelogError {
  const details = fromWireJson(Buffer.from(wire.details, 'utf8'));
  return fromErrorRecord({
    ...wire,
    details: details !== null && typeof details === 'object' ? (details as Record<string, unknown>) : {},
  });
}
