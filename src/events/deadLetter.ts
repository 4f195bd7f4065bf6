import { DeadLetterTypeError } from '../errors';
import { fromWireJson, toWireJson } from '../net/wireJson';
import type { EntryType } from '../schema/EntryType';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { Entry } from '../schema/Entry';

/**
 * The dead-letter convention of polling containers: an entry of type `T` that fails `maxAttempts`
 * times is taken and, in the same transaction, a `<T>DeadLetter` entry is written in the same
 * partition. The user declares that type (its schema is `deadLetterSchema('T')`); a container refuses
 * to start without it (DeadLetterTypeError carrying the schema to add), so a poison entry always has
 * somewhere to go and is never dropped. A declared type travels like any other: the schema topic,
 * the partition logs, the mirror table.
 *
 * Fields: `id` = `<entryId>@<version>`; `routing` = the failed entry's routing value as a string,
 * which hashes to the same partition (routing hashes `String(value)`); `entryId`, `entryVersion`;
 * `entry` = the failed entry's full state as wire JSON (lossless: bytes, bigints and non-finite
 * numbers tagged); `errorCode`, `errorMessage` (the last failure); `attempts`; `container`; `failedAt`.
 */
export const DEAD_LETTER_SUFFIX = 'DeadLetter';

/** Longest error message kept in a dead letter, in characters. */
export const MAX_DEAD_LETTER_MESSAGE = 4000;

/** The dead-letter type's name for an entry type. */
export function deadLetterTypeName(type: string): string {
  return `${type}${DEAD_LETTER_SUFFIX}`;
}

/** The Avro schema (as an `.avsc` object) of the dead-letter type of `type`. */
export function deadLetterSchema(type: string): Record<string, unknown> {
  return {
    type: 'record',
    name: deadLetterTypeName(type),
    namespace: 'spacelog.deadletters',
    doc: `Entries of ${type} that a polling container failed to process (see docs/polling-containers.md).`,
    spacelog: {
      id: 'id',
      routing: 'routing',
      indexes: [
        { name: 'byContainer', fields: ['container'], kind: 'equality' },
        { name: 'byEntryId', fields: ['entryId'], kind: 'equality' },
      ],
    },
    fields: [
      { name: 'id', type: 'string' },
      { name: 'routing', type: 'string' },
      { name: 'entryId', type: 'string' },
      { name: 'entryVersion', type: 'long' },
      { name: 'entry', type: 'string' },
      { name: 'errorCode', type: 'string' },
      { name: 'errorMessage', type: 'string' },
      { name: 'attempts', type: 'int' },
      { name: 'container', type: 'string' },
      { name: 'failedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    ],
  };
}

/** What a dead letter records of a failure. */
export interface DeadLetterInput {
  readonly type: EntryType;
  readonly entry: Entry;
  readonly version: number;
  readonly error: unknown;
  readonly attempts: number;
  readonly container: string;
  readonly now: number;
}

/** The dead-letter entry of a failed entry (see the convention above). */
export function deadLetterEntry(input: DeadLetterInput): Record<string, unknown> {
  const entryId = input.type.idOf(input.entry);
  const { code, message } = describeError(input.error);
  return {
    id: `${entryId}@${input.version}`,
    routing: String(input.type.routingOf(input.entry)),
    entryId,
    entryVersion: input.version,
    entry: toWireJson(input.entry).toString('utf8'),
    errorCode: code,
    errorMessage:
      message.length > MAX_DEAD_LETTER_MESSAGE ? message.slice(0, MAX_DEAD_LETTER_MESSAGE) : message,
    attempts: input.attempts,
    container: input.container,
    failedAt: input.now,
  };
}

/** The failed entry a dead letter holds (its `entry` field decoded), as it was when it failed. */
export function failedEntryOf(letter: Entry): Entry {
  return fromWireJson(Buffer.from(String(letter.entry), 'utf8')) as Entry;
}

/**
 * The declared dead-letter type of `type`, checked: present, id `id`, routed by `routing`, and able
 * to hold a dead letter. Throws DeadLetterTypeError with the schema to declare.
 */
export function requireDeadLetterType(types: TypeRegistry, type: EntryType): EntryType {
  const name = deadLetterTypeName(type.name);
  const schema = JSON.stringify(deadLetterSchema(type.name), null, 2);
  const refuse = (why: string, cause?: unknown): DeadLetterTypeError =>
    new DeadLetterTypeError(
      `a polling container over '${type.name}' needs the dead-letter type '${name}': ${why}. ` +
        `Add this schema to the space's schemas (e.g. ${name}.avsc):\n${schema}`,
      name,
      schema,
      { type: type.name, ...(cause === undefined ? {} : { cause }) },
    );
  const declared = types.get(name);
  if (declared === undefined) throw refuse('it is not declared');
  if (declared.idField !== 'id' || declared.routingField !== 'routing')
    throw refuse(`its id field must be 'id' and its routing field 'routing'`);
  const sample = {
    id: 'x@1',
    routing: 'r',
    entryId: 'x',
    entryVersion: 1,
    entry: '{}',
    errorCode: 'E',
    errorMessage: 'm',
    attempts: 1,
    container: 'c',
    failedAt: 0,
  };
  try {
    declared.validate(sample);
  } catch (error) {
    throw refuse(`its fields do not match: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  return declared;
}

/** The code and message a dead letter records of an error. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : error.name, message: error.message };
  }
  return { code: 'UNKNOWN', message: String(error) };
}
