import { SpacelogError, SpacelogErrorOptions } from './SpacelogError';

/**
 * A connection could not prove who it is: wrong or missing credentials, an AUTH that was not the
 * first request, a client certificate the server does not accept, or a server certificate the client
 * does not trust. Never retriable (the same credentials fail again); the server closes the connection.
 * `principal` names who tried (the user name or certificate subject) when known; the secret never
 * appears in the error.
 */
export class AuthenticationError extends SpacelogError {
  readonly principal?: string;
  constructor(message: string, options: SpacelogErrorOptions & { readonly principal?: string } = {}) {
    super(message, 'AUTHENTICATION', false, options);
    this.name = 'AuthenticationError';
    if (options.principal !== undefined) this.principal = options.principal;
  }
}

/**
 * The server had more password checks waiting than it queues (each costs tens of ms and ~32 MiB of
 * scrypt): nothing was checked, so nothing is known about the credentials. Retriable: the same AUTH
 * may succeed a moment later. The server closes the connection.
 */
export class AuthenticationBusyError extends SpacelogError {
  readonly waiting: number;
  constructor(waiting: number, options: SpacelogErrorOptions = {}) {
    super(
      `the server has ${waiting} password checks waiting already: try again shortly`,
      'AUTHENTICATION_BUSY',
      true,
      options,
    );
    this.name = 'AuthenticationBusyError';
    this.waiting = waiting;
  }
}

/**
 * An authenticated principal asked for an operation it was not granted on the space: `operation` is
 * the wire op (e.g. `WRITE`, `EXECUTE`), `operationClass` the grant it needs (`read`, `write`, `take`,
 * `admin`, `execute:<task>`). Nothing of the operation ran. Not retriable; the connection stays open.
 */
export class AuthorizationError extends SpacelogError {
  readonly principal: string;
  readonly operation: string;
  readonly operationClass: string;
  constructor(
    principal: string,
    operation: string,
    operationClass: string,
    options: SpacelogErrorOptions = {},
  ) {
    const where = options.space === undefined ? '' : ` on space '${options.space}'`;
    super(
      `principal '${principal}' may not ${operation}${where} (needs '${operationClass}')`,
      'AUTHORIZATION',
      false,
      options,
    );
    this.name = 'AuthorizationError';
    this.principal = principal;
    this.operation = operation;
    this.operationClass = operationClass;
  }
}

/**
 * A server was told to listen on a non-loopback address without TLS: anyone on the network could
 * read and change the space. Refused at start unless the configuration says `insecure: true`.
 */
export class InsecureBindError extends SpacelogError {
  readonly host: string;
  constructor(host: string, options: SpacelogErrorOptions = {}) {
    super(
      `refusing to serve on ${host} without TLS: configure security.tls, bind 127.0.0.1, or set security.insecure: true`,
      'INSECURE_BIND',
      false,
      options,
    );
    this.name = 'InsecureBindError';
    this.host = host;
  }
}

/** Type guard for AuthenticationError. */
export function isAuthenticationError(error: unknown): error is AuthenticationError {
  return error instanceof AuthenticationError;
}

/** Type guard for AuthorizationError. */
export function isAuthorizationError(error: unknown): error is AuthorizationError {
  return error instanceof AuthorizationError;
}
