import { InvalidArgumentError, ProtocolError } from '../errors';
import type { EntryType } from '../schema/EntryType';
import type { Entry } from '../schema/Entry';
import { decodeEntry } from './entryCodec';
import type { ChangeOp } from '../space/ChangeSet';
import type { MutationOp } from '../space/Mutation';
import type { Selector } from '../space/Selector';
import { fromWireJson } from './wireJson';

const OPS = new Set(['WRITE', 'UPDATE', 'TAKE', 'EXPIRE']);

/**
 * Decodes and checks a request's `args` before anything runs, so a malformed request gets a typed
 * error (ProtocolError for what no Spacelog client sends, InvalidArgumentError for a bad value)
 * instead of failing deep in an operation as an INTERNAL error.
 * @internal
 */
export function decodeArgs(bytes: Buffer): OpArgs {
  const value = fromWireJson(bytes) ?? {};
  if (!isObject(value)) throw new ProtocolError('request args are not an object');
  const { selector, options, changes, id, lease, ops, subscription, task } = value;
  if (selector !== undefined) checkSelector(selector);
  if (options !== undefined && !isObject(options)) throw new ProtocolError('args.options is not an object');
  if (changes !== undefined && !(Array.isArray(changes) && changes.every(isObject))) {
    throw new ProtocolError('args.changes is not a list of objects');
  }
  if (id !== undefined && typeof id !== 'string') throw new InvalidArgumentError('args.id must be a string');
  if (lease !== undefined && typeof lease !== 'number') {
    throw new InvalidArgumentError('args.lease must be a number');
  }
  if (ops !== undefined && !(Array.isArray(ops) && ops.every((op) => OPS.has(op as string)))) {
    throw new InvalidArgumentError('args.ops must list WRITE, UPDATE, TAKE or EXPIRE');
  }
  if (task !== undefined && (typeof task !== 'string' || task.length === 0)) {
    throw new InvalidArgumentError('args.task must be a non-empty string');
  }
  if (subscription !== undefined && !Number.isSafeInteger(subscription)) {
    throw new ProtocolError('args.subscription is not an integer');
  }
  return value as OpArgs;
}

/** Decodes a WRITE's entry bytes; bytes that are not an entry of the type are a ProtocolError. */
export function decodeWireEntry(type: EntryType, bytes: Buffer): Entry {
  try {
    return decodeEntry(type, bytes);
  } catch (error) {
    throw new ProtocolError(
      `entry bytes do not decode as ${type.name}: ${error instanceof Error ? error.message : String(error)}`,
      { type: type.name, cause: error },
    );
  }
}

function checkSelector(selector: unknown): void {
  if (!isObject(selector)) throw new InvalidArgumentError('selector must be an object');
  if ('id' in selector) {
    if (typeof selector.id !== 'string' && typeof selector.id !== 'number') {
      throw new InvalidArgumentError('selector.id must be a string or a number');
    }
  } else if ('template' in selector) {
    if (!isObject(selector.template)) throw new InvalidArgumentError('selector.template must be an object');
  } else if ('query' in selector) {
    if (typeof selector.query !== 'string') throw new InvalidArgumentError('selector.query must be a string');
    if (selector.params !== undefined && !Array.isArray(selector.params)) {
      throw new InvalidArgumentError('selector.params must be a list');
    }
  } else {
    throw new InvalidArgumentError('selector needs id, template or query');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** Arguments of each op, as the client sends them in `args`. @internal */
export interface OpArgs {
  readonly selector?: Selector;
  readonly options?: Record<string, unknown>;
  readonly changes?: readonly ChangeOp[];
  readonly id?: string;
  readonly lease?: number;
  readonly ops?: readonly MutationOp[];
  readonly subscription?: number;
  /** EXECUTE: the task's name, and its arguments. */
  readonly task?: string;
  readonly input?: unknown;
}
