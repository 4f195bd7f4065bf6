/**
 * For scripts run by `spawnChild`: talk to the test that started this process. Messages go over IPC
 * when there is a channel, else as one JSON line on stdout.
 */
export function sendToParent(message: Record<string, unknown>): void {
  if (process.send !== undefined) process.send(message);
  else process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Calls `handler` for each message the parent sends over IPC; returns a function that stops listening. */
export function onParentMessage(handler: (message: Record<string, unknown>) => void): () => void {
  const listener = (message: unknown): void => handler(message as Record<string, unknown>);
  process.on('message', listener);
  return () => process.off('message', listener);
}
