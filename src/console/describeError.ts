import { isSpacelogError } from '../errors';

/**
 * One line naming a failure for a page: `QuerySyntaxError (QUERY_SYNTAX): ...` for Spacelog's typed
 * errors, the message for others; never a stack (a console user needs what went wrong, not where).
 */
export function describeError(error: unknown): string {
  if (isSpacelogError(error)) return `${error.name} (${error.code}): ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
