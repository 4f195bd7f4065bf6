import * as avro from 'avsc';
import type { ErrorRecord } from '../errors/errorRecord';
import type { MutationOp } from '../space/Mutation';
import {
  CANCEL_SCHEMA,
  END_SCHEMA,
  EVENT_SCHEMA,
  REQUEST_SCHEMA,
  RESPONSE_SCHEMA,
  WIRE_OPS,
} from './protocolSchemas';

/** What a request asks for (the `Op` enum of `schemas/protocol/Request.avsc`). @internal */
export type WireOp = (typeof WIRE_OPS)[number];

/** The kind byte after a frame's length. @internal */
export const FRAME_KIND = { request: 1, response: 2, event: 3, cancel: 4, end: 5 } as const;
export type FrameKind = (typeof FRAME_KIND)[keyof typeof FRAME_KIND];

/** A request frame's body. @internal */
export interface RequestFrame {
  readonly id: number;
  readonly partition: number;
  readonly op: WireOp;
  readonly type: string;
  readonly args: Buffer;
  readonly entry: Buffer | null;
  readonly deadline: number;
}

/** An error as it crosses the wire: its ErrorRecord, with the class's own fields as wire JSON. @internal */
export interface WireError extends Omit<ErrorRecord, 'details'> {
  readonly details: string;
}

/** A response frame's body. @internal */
export interface ResponseFrame {
  readonly id: number;
  readonly entries: readonly Buffer[];
  readonly result: Buffer;
  readonly error: WireError | null;
}

/** A subscription event frame's body. @internal */
export interface EventFrame {
  readonly subscription: number;
  readonly op: MutationOp;
  readonly type: string;
  readonly id: string;
  readonly version: number;
  readonly leaseExpiresAt: number | null;
  readonly entry: Buffer;
}

/** A subscription-end frame's body: the server ended the subscription for `error`. @internal */
export interface EndFrame {
  readonly subscription: number;
  readonly error: WireError;
}

/** A cancel frame's body. @internal */
export interface CancelFrame {
  readonly id: number;
}

const parse = (schema: unknown): avro.Type =>
  avro.Type.forSchema(schema as avro.Schema, { wrapUnions: 'never' });

/** The avsc types of the four frame bodies. @internal */
export const FRAME_TYPES = {
  [FRAME_KIND.request]: parse(REQUEST_SCHEMA),
  [FRAME_KIND.response]: parse(RESPONSE_SCHEMA),
  [FRAME_KIND.event]: parse(EVENT_SCHEMA),
  [FRAME_KIND.cancel]: parse(CANCEL_SCHEMA),
  [FRAME_KIND.end]: parse(END_SCHEMA),
} as const;

/** Bytes of the frame header: uint32 length + uint8 kind. */
export const FRAME_HEADER_BYTES = 5;
/** Default largest frame accepted (length field value): 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/**
 * Largest frame a server accepts from a connection that must authenticate and has not yet: an AUTH
 * request is a few hundred bytes, and an unauthenticated peer must not make the server buffer 16 MiB.
 */
export const PRE_AUTH_MAX_FRAME_BYTES = 64 * 1024;
/**
 * The id of the server's goodbye: a response with id 0 (clients number requests from 1) carries the
 * reason the server is closing the connection (ConnectionLimitError, ConnectionTimeoutError,
 * ProtocolError, FrameTooLargeError); the server reads nothing after it.
 */
export const GOODBYE_ID = 0;
/** The partition number of a request the server routes itself (broadcast operations). */
export const ANY_PARTITION = -1;
