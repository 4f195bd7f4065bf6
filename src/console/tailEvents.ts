import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TailLine } from './tailFormat';
import type { MutationFeed } from './ConsoleDataSource';
import { describeError } from './describeError';

/** A keep-alive comment this often, so proxies and idle timeouts leave the stream open. */
export const SSE_KEEPALIVE_MS = 15_000;

/**
 * Bytes a slow reader may leave unread before its stream is closed (docs/design.md law 7: a reader that does not
 * read costs itself, not the console's memory). EventSource reconnects on its own.
 */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Streams the space's mutations as Server-Sent Events: `mutation` (a `spacelog tail` line as JSON),
 * `ready` once every mutation committed from then on will be sent, `problem` when the tail cannot
 * run. `type` keeps one entry type. The last mutations seen are sent first.
 */
export async function streamTailEvents(
  req: IncomingMessage,
  res: ServerResponse,
  feed: MutationFeed,
  type: string | undefined,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 3000\n\n');
  let open = true;
  const send = (event: string, data: string): void => {
    if (!open) return;
    if (res.writableLength > SSE_MAX_BUFFERED_BYTES) {
      finish();
      res.destroy();
      return;
    }
    // One data line: JSON and error lines have no newline in them once flattened.
    res.write(`event: ${event}\ndata: ${data.replace(/[\r\n]+/g, ' ')}\n\n`);
  };
  const onLine = (line: TailLine): void => {
    if (type === undefined || line.type === type) send('mutation', JSON.stringify(line));
  };
  const keepAlive = setInterval(() => open && res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
  keepAlive.unref();
  let unsubscribe = (): void => undefined;
  const finish = (): void => {
    if (!open) return;
    open = false;
    clearInterval(keepAlive);
    unsubscribe();
  };
  req.on('close', finish);
  res.on('close', finish);
  // Subscribed before the recent lines are sent, in the same tick: none falls in between.
  unsubscribe = feed.subscribe(onLine);
  for (const line of feed.recent()) onLine(line);
  try {
    await feed.ready();
    send('ready', 'live');
  } catch (error) {
    send('problem', `tail not running: ${describeError(error)}`);
  }
}
