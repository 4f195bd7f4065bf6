/** What `run` threw; fails the test when it did not throw. */
export function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

/** An error class, as a refusal case names it. */
export type ErrorClass = new (...args: never[]) => Error;

/** `run` throws exactly `error` (not a subclass) with exactly `message`. */
export function expectRefusal(run: () => unknown, error: ErrorClass, message: string): void {
  const refusal = thrown(run);
  expect(refusal.constructor).toBe(error);
  expect(refusal.message).toBe(message);
}

/** One refusal to check: what is refused, the call, the error class and its exact message. */
export type RefusalCase = readonly [string, () => unknown, ErrorClass, string];
