import { SpacelogError, SpacelogErrorOptions } from './SpacelogError';

/** Why the local stack (Kafka and PostgreSQL without Docker) could not do what was asked. */
export type StackFailure =
  | 'JAVA_MISSING'
  | 'MAVEN_MISSING'
  | 'MAVEN_FAILED'
  | 'PORT_TAKEN'
  | 'BROKER_EXITED'
  | 'BROKER_TIMEOUT'
  | 'KAFKA_UNAVAILABLE'
  | 'STACK_MISMATCH'
  | 'POSTGRES_UNAVAILABLE'
  | 'TLS_FAILED'
  | 'BAD_CONFIG';

/** Options of a {@link StackError}: the log it points at and its last lines, shown to the user. */
export interface StackErrorOptions extends SpacelogErrorOptions {
  readonly logFile?: string;
  readonly logTail?: readonly string[];
}

/**
 * The local stack launcher failed. `failure` says which way (no Java 17, port taken, broker exited
 * early...); `logFile` and `logTail` point at the evidence so the user does not have to dig for it.
 */
export class StackError extends SpacelogError {
  readonly failure: StackFailure;
  readonly logFile?: string;
  readonly logTail: readonly string[];

  constructor(failure: StackFailure, message: string, options: StackErrorOptions = {}) {
    super(message, `STACK_${failure}`, false, options);
    this.name = 'StackError';
    this.failure = failure;
    if (options.logFile !== undefined) this.logFile = options.logFile;
    this.logTail = options.logTail ?? [];
  }
}

/** True for an error thrown by the local stack launcher. */
export function isStackError(error: unknown): error is StackError {
  return error instanceof StackError;
}
