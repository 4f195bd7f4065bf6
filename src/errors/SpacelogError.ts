/** Where an error happened: every field is optional, and set whenever the thrower knows it. */
export interface ErrorContext {
  readonly space?: string;
  readonly partition?: number;
  readonly type?: string;
  readonly entryId?: string;
  readonly offset?: string;
}

/** Options accepted by every Spacelog error constructor. */
export interface SpacelogErrorOptions extends ErrorContext {
  readonly cause?: unknown;
}

/**
 * The root of every error Spacelog throws. `code` is stable and machine-readable; `retriable`
 * says whether the same operation may succeed if tried again (after a refreshed partition map,
 * a finished warm-up, a returned broker). Context fields name what the error is about.
 */
export class SpacelogError extends Error implements ErrorContext {
  readonly code: string;
  readonly retriable: boolean;
  readonly space?: string;
  readonly partition?: number;
  readonly type?: string;
  readonly entryId?: string;
  readonly offset?: string;

  constructor(message: string, code: string, retriable: boolean, options: SpacelogErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SpacelogError';
    this.code = code;
    this.retriable = retriable;
    if (options.space !== undefined) this.space = options.space;
    if (options.partition !== undefined) this.partition = options.partition;
    if (options.type !== undefined) this.type = options.type;
    if (options.entryId !== undefined) this.entryId = options.entryId;
    if (options.offset !== undefined) this.offset = options.offset;
  }
}

/** True for any error thrown by Spacelog. */
export function isSpacelogError(error: unknown): error is SpacelogError {
  return error instanceof SpacelogError;
}

/** True for a Spacelog error that says the operation may be tried again. */
export function isRetriable(error: unknown): boolean {
  return error instanceof SpacelogError && error.retriable;
}
