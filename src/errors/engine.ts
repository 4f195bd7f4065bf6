import { SpacelogError, SpacelogErrorOptions } from './SpacelogError';

/**
 * A mutation does not fit the state it is applied to (wrong version, missing entry, unknown type).
 * Validation before the log makes this impossible for mutations the engine built itself, so it means
 * a bug or a corrupt log: the partition must stop and rebuild, never skip it.
 */
export class InvariantViolationError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(`internal invariant violated: ${message}`, 'INVARIANT_VIOLATION', false, options);
    this.name = 'InvariantViolationError';
  }
}

/** The space engine was closed (partition moved, fenced or shut down); retry against the new primary. */
export class SpaceClosedError extends SpacelogError {
  constructor(message = 'space engine is closed', options: SpacelogErrorOptions = {}) {
    super(message, 'SPACE_CLOSED', true, options);
    this.name = 'SpaceClosedError';
  }
}

/** A blocking read or take was cancelled through its AbortSignal. */
export class OperationAbortedError extends SpacelogError {
  constructor(options: SpacelogErrorOptions = {}) {
    super('operation aborted', 'OPERATION_ABORTED', false, options);
    this.name = 'OperationAbortedError';
  }
}
