/** Signals that ask a long-running command to stop cleanly: Ctrl-C and `kill`. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Calls `onStop` once on the first SIGINT or SIGTERM, so the command can flush and disconnect.
 * A second signal while stopping exits at once (code 130), for a shutdown that hangs.
 * Returns the function that removes the handlers.
 */
export function onStopSignal(onStop: (signal: NodeJS.Signals) => void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`spacelog: ${signal} again, exiting without cleanup\n`);
      process.exit(130);
    }
    stopping = true;
    onStop(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, handler);
  };
}
