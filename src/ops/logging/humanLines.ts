/** Fields a human line shows in its own place, not as `key=value`. */
const PLACED = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'err']);

/**
 * A destination that turns pino's JSON lines into lines for a person at a terminal:
 * `12:04:05.120 WARN  partition 3 fenced  space=orders unit=u1 partition=3 code=FENCED`, then the
 * error's message on the same line. Synchronous and in-process (no worker, no pino-pretty).
 */
export function humanLines(sink: LogDestination): LogDestination {
  return {
    write(line: string): void {
      sink.write(`${humanLine(line)}\n`);
    },
  };
}

/** One JSON record as a human line; a line that is not a JSON object is passed on as it is. */
export function humanLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return json.trimEnd();
    record = parsed as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const level = String(record.level ?? '')
    .toUpperCase()
    .padEnd(5);
  const fields = Object.entries(record)
    .filter(([key, value]) => !PLACED.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const err = record.err as { type?: unknown; message?: unknown } | undefined;
  const error =
    err === undefined
      ? ''
      : `  ${printable(String(err.type ?? 'Error'))}: ${printable(String(err.message ?? ''))}`;
  const message = typeof record.msg === 'string' ? printable(record.msg) : '';
  return [time, level, message, fields.join(' ')].filter((part) => part !== '').join('  ') + error;
}

/**
 * Text with its control characters escaped: a message can carry what a peer sent (a user name in a
 * refused AUTH), and a newline in it must not start a forged log line.
 */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/u.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** Where records go: anything with a `write(line)` (a stream, a test's collector). */
export interface LogDestination {
  write(line: string): unknown;
}
