import { AuthenticationError, ProtocolError } from '../../errors';
import { MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH } from './Credentials';
import { fromWireJson, toWireJson } from '../wireJson';

/**
 * The AUTH request's args (wire JSON): the first request of a connection on a server that
 * authenticates. `password`: user name and password (over TLS only). `certificate`: the TLS client
 * certificate already presented is the identity (the request only asks which principal that is).
 * @internal
 */
export type AuthArgs =
  | { readonly mechanism: 'password'; readonly username: string; readonly password: string }
  | { readonly mechanism: 'certificate' };

/** The AUTH answer's result: who the connection is now. @internal */
export interface AuthResult {
  readonly principal: string;
}

/** Encodes an AUTH request's args. @internal */
export function encodeAuthArgs(args: AuthArgs): Buffer {
  // Named one by one: the client keeps the password non-enumerable.
  if (args.mechanism === 'certificate') return toWireJson({ mechanism: args.mechanism });
  return toWireJson({ mechanism: args.mechanism, username: args.username, password: args.password });
}

/**
 * Decodes and checks an AUTH request's args before anything is hashed: a malformed one is a
 * ProtocolError, an over-long name or password an AuthenticationError (refused without hashing, so
 * a megabyte password costs its sender, not the server).
 * @internal
 */
export function decodeAuthArgs(bytes: Buffer): AuthArgs {
  let value: unknown;
  try {
    value = fromWireJson(bytes);
  } catch (error) {
    throw new ProtocolError('AUTH args are not wire JSON', { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError('AUTH args are not an object');
  }
  const { mechanism, username, password } = value as Record<string, unknown>;
  if (mechanism === 'certificate') return { mechanism };
  if (mechanism !== 'password')
    throw new ProtocolError(`unknown AUTH mechanism ${JSON.stringify(mechanism)}`);
  if (typeof username !== 'string' || typeof password !== 'string') {
    throw new ProtocolError('AUTH password needs a string username and password');
  }
  if (
    username.length === 0 ||
    username.length > MAX_USERNAME_LENGTH ||
    password.length > MAX_PASSWORD_LENGTH
  ) {
    throw new AuthenticationError('user name or password too long or empty', {
      principal: username.slice(0, 64),
    });
  }
  return { mechanism, username, password };
}
