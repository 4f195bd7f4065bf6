import { sendJson, type HttpEndpoint, type HttpRequestContext } from '../http/HttpEndpoint';
import { createConsoleHandler } from './ConsoleHandler';
import type { ConsoleDataSource } from './ConsoleDataSource';

/** Where a grid's or unit's HTTP endpoint serves the console. */
export const CONSOLE_PATH = '/console';

/**
 * Mounts the web console of a space on an HTTP endpoint under `/console` (next to `/metrics`,
 * `/healthz`, `/readyz`). Nothing is read until a page is asked for. Returns the function that
 * unmounts it and closes its connections.
 */
export function mountConsole(
  endpoint: HttpEndpoint,
  options: {
    /** The space shown (named in a refusal). */
    readonly space: string;
    /** What the pages show; closed when the console is unmounted. */
    readonly source: ConsoleDataSource;
    readonly path?: string;
    /**
     * Whether an authenticated principal may see the console (it shows entries: their `read` grant
     * on the space). Absent: whoever the endpoint lets in.
     */
    readonly mayRead?: (principal: string) => boolean;
  },
): () => Promise<void> {
  const { path = CONSOLE_PATH, mayRead, source } = options;
  const handler = createConsoleHandler({ source, basePath: path });
  const answer = async (
    request: Parameters<typeof handler>[0],
    response: Parameters<typeof handler>[1],
    context: HttpRequestContext,
  ): Promise<void> => {
    if (mayRead !== undefined && !mayRead(context.principal)) {
      sendJson(response, 403, { error: `${context.principal} may not read space ${options.space}` });
      return;
    }
    if (!(await handler(request, response))) response.writeHead(404).end();
  };
  // GET for the pages; other methods reach the handler too, which answers them 405 (read-only).
  const unmount = (['GET', 'POST', 'PUT', 'DELETE'] as const).map((method) =>
    endpoint.route(method, path, answer),
  );
  return async () => {
    unmount.forEach((u) => u());
    await source.close();
  };
}
