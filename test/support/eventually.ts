/** How often {@link eventually} asks again. */
export const EVENTUALLY_POLL_MS = 50;

/**
 * Polls `check` every `pollMs` (default {@link EVENTUALLY_POLL_MS}) until it returns something other
 * than `undefined` or `false`, and resolves with that. After `timeoutMs` it rejects naming `what` (a
 * function is asked then, so the message can say what was last seen): a wait in a test ends in a
 * clear failure, never in a silent pass. A check that throws ends the wait with its error (catch inside `check` what may
 * fail transiently).
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what: string | (() => string),
  pollMs = EVENTUALLY_POLL_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined && result !== false) return result;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
