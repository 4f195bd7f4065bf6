/**
 * The wire protocol: Avro schemas of the frame bodies, kept equal to `schemas/protocol/*.avsc`
 * (a unit test compares them).
 *
 * A frame is `uint32 length (big-endian) | uint8 kind | Avro body`; the length counts the kind byte
 * and the body. Entries travel Avro-encoded with their own type schema (both sides know it from
 * DESCRIBE); selectors, options and small results travel as wire JSON inside `bytes` fields.
 */

/** Every op a request can carry, in the order of the `Op` enum (`schemas/protocol/Request.avsc`). @internal */
export const WIRE_OPS = [
  'DESCRIBE',
  'WRITE',
  'READ',
  'TAKE',
  'READ_MULTIPLE',
  'TAKE_MULTIPLE',
  'COUNT',
  'CLEAR',
  'CHANGE',
  'RENEW',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'PING',
  'EXECUTE',
  'AUTH',
] as const;

/** `schemas/protocol/Request.avsc` */
export const REQUEST_SCHEMA = {
  type: 'record',
  name: 'Request',
  namespace: 'spacelog.protocol',
  doc: 'Client to server, frame kind 1. Answered by exactly one Response with the same id.',
  fields: [
    { name: 'id', type: 'long', doc: 'Unique per connection; responses may come out of order.' },
    { name: 'partition', type: 'int', doc: 'Target partition, or -1: the server routes (broadcast).' },
    {
      name: 'op',
      type: {
        type: 'enum',
        name: 'Op',
        symbols: [...WIRE_OPS],
      },
    },
    { name: 'type', type: 'string', doc: 'Entry type name; empty for DESCRIBE, PING, EXECUTE and AUTH.' },
    {
      name: 'args',
      type: 'bytes',
      doc: 'Selector, options, change set; EXECUTE: task name, its arguments and timeout; AUTH: mechanism and credentials (the first request of a connection, TLS only). UTF-8 wire JSON (Buffers and non-finite numbers tagged).',
    },
    {
      name: 'entry',
      type: ['null', 'bytes'],
      default: null,
      doc: "WRITE: the entry, Avro-encoded with its type's schema.",
    },
    {
      name: 'deadline',
      type: 'long',
      doc: 'Milliseconds the server may spend on it, counted from receipt; 0 = none.',
    },
  ],
} as const;

/** `schemas/protocol/Response.avsc` */
export const RESPONSE_SCHEMA = {
  type: 'record',
  name: 'Response',
  namespace: 'spacelog.protocol',
  doc: 'Server to client, frame kind 2: the answer to the Request with the same id.',
  fields: [
    { name: 'id', type: 'long' },
    {
      name: 'entries',
      type: { type: 'array', items: 'bytes' },
      doc: "Entries of the answer, Avro-encoded with the request type's schema.",
    },
    {
      name: 'result',
      type: 'bytes',
      doc: 'Any other result (counts, write results, description) as UTF-8 wire JSON; empty when none.',
    },
    {
      name: 'error',
      type: [
        'null',
        {
          type: 'record',
          name: 'WireError',
          fields: [
            { name: 'code', type: 'string' },
            { name: 'name', type: 'string', doc: 'Error class name, e.g. VersionConflictError.' },
            { name: 'message', type: 'string' },
            { name: 'retriable', type: 'boolean' },
            { name: 'space', type: ['null', 'string'], default: null },
            { name: 'partition', type: ['null', 'int'], default: null },
            { name: 'type', type: ['null', 'string'], default: null },
            { name: 'entryId', type: ['null', 'string'], default: null },
            {
              name: 'details',
              type: 'string',
              doc: 'Class-specific fields (expectedVersion, field, position...) as wire JSON.',
            },
          ],
        },
      ],
      default: null,
    },
  ],
} as const;

/** `schemas/protocol/Event.avsc` */
export const EVENT_SCHEMA = {
  type: 'record',
  name: 'Event',
  namespace: 'spacelog.protocol',
  doc: 'Server to client, frame kind 3: one committed mutation heard by a subscription.',
  fields: [
    { name: 'subscription', type: 'long', doc: 'The id of the SUBSCRIBE request.' },
    { name: 'op', type: { type: 'enum', name: 'EventOp', symbols: ['WRITE', 'UPDATE', 'TAKE', 'EXPIRE'] } },
    { name: 'type', type: 'string' },
    { name: 'id', type: 'string' },
    { name: 'version', type: 'long' },
    { name: 'leaseExpiresAt', type: ['null', 'long'], default: null },
    {
      name: 'entry',
      type: 'bytes',
      doc: "Avro-encoded with the type's schema: new state, or the removed one.",
    },
  ],
} as const;

/** `schemas/protocol/Cancel.avsc` */
export const CANCEL_SCHEMA = {
  type: 'record',
  name: 'Cancel',
  namespace: 'spacelog.protocol',
  doc: 'Client to server, frame kind 4: stop waiting on the Request with that id (abort or client timeout).',
  fields: [{ name: 'id', type: 'long' }],
} as const;

/** `schemas/protocol/End.avsc` */
export const END_SCHEMA = {
  type: 'record',
  name: 'End',
  namespace: 'spacelog.protocol',
  doc: 'Server to client, frame kind 5: the server ended a subscription (e.g. its client read too slowly); no event of it follows.',
  fields: [
    { name: 'subscription', type: 'long', doc: 'The id of the SUBSCRIBE request.' },
    { name: 'error', type: RESPONSE_SCHEMA.fields[3].type[1], doc: 'Why, e.g. SubscriptionOverflowError.' },
  ],
} as const;
