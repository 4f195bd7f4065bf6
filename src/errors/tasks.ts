// Errors of tasks and exported services (src/events): a task or service that is unknown, failed or timed out.
import { SpacelogError, type SpacelogErrorOptions } from './SpacelogError';

/**
 * No task of that name is registered where the call ran (a typo, or a unit that does not register
 * it). Nothing ran; retrying will not help until a unit registers it.
 */
export class UnknownTaskError extends SpacelogError {
  readonly task: string;
  constructor(task: string, options: SpacelogErrorOptions & { readonly reason?: string } = {}) {
    const where = options.partition === undefined ? '' : ` at partition ${options.partition}`;
    super(
      `unknown task '${task}'${where}${options.reason ? `: ${options.reason}` : ''}`,
      'UNKNOWN_TASK',
      false,
      {
        ...options,
      },
    );
    this.name = 'UnknownTaskError';
    this.task = task;
  }
}

/**
 * No service of that name is exported where the call ran, or it has no such method (`method` set).
 * Nothing ran.
 */
export class UnknownServiceError extends SpacelogError {
  readonly service: string;
  readonly method?: string;
  constructor(service: string, method?: string, options: SpacelogErrorOptions = {}) {
    const what =
      method === undefined
        ? `unknown service '${service}'`
        : `service '${service}' has no method '${method}'`;
    const where = options.partition === undefined ? '' : ` at partition ${options.partition}`;
    super(`${what}${where}`, 'UNKNOWN_SERVICE', false, options);
    this.name = 'UnknownServiceError';
    this.service = service;
    if (method !== undefined) this.method = method;
  }
}

/**
 * A task (or a service method) threw or rejected. It ran, so whatever it did before failing stays
 * done: this error is not retriable, and a caller retries it only if it knows the task is idempotent.
 * The cause's code, class name, message and retriable flag travel with it (`cause` itself only in
 * process); `partition` names where it ran.
 */
export class TaskFailedError extends SpacelogError {
  readonly task: string;
  /** The cause's `code` when it has a string one (every Spacelog error does), else its class name. */
  readonly causeCode: string;
  readonly causeName: string;
  readonly causeMessage: string;
  /** Whether the cause itself was a retriable Spacelog error (e.g. the partition moved mid-task). */
  readonly causeRetriable: boolean;
  constructor(task: string, cause: unknown, options: SpacelogErrorOptions = {}) {
    const described = describeCause(cause);
    const where = options.partition === undefined ? '' : ` at partition ${options.partition}`;
    super(`task '${task}' failed${where}: ${described.message}`, 'TASK_FAILED', false, { ...options, cause });
    this.name = 'TaskFailedError';
    this.task = task;
    this.causeCode = described.code;
    this.causeName = described.name;
    this.causeMessage = described.message;
    this.causeRetriable = described.retriable;
  }
}

/**
 * A task did not finish within its timeout. Its AbortSignal was aborted with this error; a task that
 * ignores its signal may still be running (and may still change the space). Not retriable: its
 * deadline is spent.
 */
export class TaskTimeoutError extends SpacelogError {
  readonly task: string;
  readonly timeoutMs: number;
  constructor(task: string, timeoutMs: number, options: SpacelogErrorOptions = {}) {
    const where = options.partition === undefined ? '' : ` at partition ${options.partition}`;
    super(`task '${task}' did not finish within ${timeoutMs} ms${where}`, 'TASK_TIMEOUT', false, options);
    this.name = 'TaskTimeoutError';
    this.task = task;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A service call reached a partition other than the one its export's routing names (the caller gave
 * no routing of its own). Nothing ran; `partition` names where it belongs, and the remote proxy sends
 * it there at once (one redirect, not a retry).
 */
export class ServiceRedirectError extends SpacelogError {
  readonly service: string;
  readonly method: string;
  /** The partition the call reached (`partition` is where it belongs). */
  readonly reachedPartition: number;
  constructor(
    service: string,
    method: string,
    reached: number,
    target: number,
    options: SpacelogErrorOptions = {},
  ) {
    super(
      `${service}.${method} routes to partition ${target}, not ${reached}: call it there`,
      'SERVICE_REDIRECT',
      false,
      { ...options, partition: target },
    );
    this.name = 'ServiceRedirectError';
    this.service = service;
    this.method = method;
    this.reachedPartition = reached;
  }
}

function describeCause(cause: unknown): { code: string; name: string; message: string; retriable: boolean } {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return {
      code: typeof code === 'string' ? code : cause.name,
      name: cause.name,
      message: cause.message,
      retriable: cause instanceof SpacelogError && cause.retriable,
    };
  }
  return { code: 'NON_ERROR', name: typeof cause, message: String(cause), retriable: false };
}
