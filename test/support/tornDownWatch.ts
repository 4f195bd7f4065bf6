/**
 * Names the test file whose leftovers made jest set `process.exitCode = 1`.
 *
 * On a 2-core machine jest runs every suite in its own process. When something a test file started
 * (a client, a consumer, a timer) loads a module or touches the environment after the file ended,
 * jest-runtime prints a "has been torn down" error through the process's `console.error` and sets the
 * exit code: `npm test` exits 1 with every test passed, and the error sits somewhere in the middle of
 * a long output. globalSetup starts this watch; globalTeardown repeats what it saw at the end.
 */

const KEY = '__spacelogTornDownReports';
/** Lines of each report kept: the message (with the file's name) and the first frames of its stack. */
const REPORT_LINES = 12;
/** Frames kept of the stack that printed the error. */
const STACK_FRAMES = 14;

interface WatchState {
  reports: string[];
  explained: boolean;
}

function state(): WatchState | undefined {
  return (globalThis as unknown as Record<string, WatchState | undefined>)[KEY];
}

/** Starts listening to the process's console.error for jest's torn-down errors (once per process). */
export function watchTornDownErrors(): void {
  const holder = globalThis as unknown as Record<string, WatchState | undefined>;
  if (holder[KEY] !== undefined) return;
  const watch: WatchState = { reports: [], explained: false };
  holder[KEY] = watch;
  const original = console.error.bind(console);
  console.error = (...args: unknown[]): void => {
    const text = args.map((arg) => (typeof arg === 'string' ? arg : String(arg))).join(' ');
    if (text.includes('has been torn down')) {
      // jest keeps one frame of the stack; the caller's own stack shows which library ran on.
      const callers = (new Error().stack ?? '')
        .split('\n')
        .slice(2, 2 + STACK_FRAMES)
        .join('\n');
      watch.reports.push(
        `${text.trim().split('\n').slice(0, REPORT_LINES).join('\n')}\n  called from:\n${callers}`,
      );
    }
    original(...args);
  };
}

/**
 * Says, last in the output, why the run will exit non-zero when jest set the exit code, and repeats
 * each torn-down error seen (it names the test file). Says it once per process.
 */
export function explainLeakedExitCode(): void {
  const code = process.exitCode;
  if (code === undefined || code === 0 || code === '0') return;
  const watch = state();
  if (watch?.explained === true) return;
  if (watch !== undefined) watch.explained = true;
  const reports = watch?.reports ?? [];
  const seen =
    reports.length === 0
      ? ` (jest's "after the Jest environment has been torn down" error above names the file).`
      : `; jest said so ${reports.length} time(s):\n\n${reports.join('\n\n')}\n`;
  process.stderr.write(
    `\n[spacelog tests] the run will exit ${code} even if every test passed: something ran on after its ` +
      `test file ended${seen}\nClose what that file starts (clients, consumers, timers) before it ends.\n`,
  );
}
