import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONSOLE_CSS, CONSOLE_ICON, CONSOLE_JS } from './consoleAssets';
import type { ConsoleDataSource } from './ConsoleDataSource';
import { parseConsoleQuery, type ConsoleQueryInput } from './consoleQuery';
import { describeError } from './describeError';
import type { Html } from './html';
import { renderLayout, renderOverview, renderQueryPanel, renderStatus } from './renderPages';
import { streamTailEvents } from './tailEvents';

/** A request handler that answers true when it handled the request (so hosts can chain handlers). */
export type ConsoleRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Where and what the console serves. */
export interface ConsoleHandlerOptions {
  readonly source: ConsoleDataSource;
  /**
   * Path the console lives under, without a trailing slash: `''` (the root, as `spacelog console`
   * serves it) or e.g. `/console` on a unit's HTTP endpoint, next to `/metrics`.
   */
  readonly basePath?: string;
}

/**
 * Headers of every console answer. The pages load their script and style from the console itself and
 * run no inline code, so the policy can refuse everything else: text from entries or errors that
 * slipped past escaping still could not run.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

/**
 * The web console as a request handler: `GET <base>/` the overview (units, partition grid, entries
 * per type, mirror, live tail, query box), `<base>/query` the query box and its result,
 * `<base>/events` the tail as Server-Sent Events, `<base>/fragments/status` the status panels (the
 * page refreshes them), `<base>/api/status` the same as JSON, `<base>/assets/*` its script and style.
 * Every route is read-only; other methods get 405. Paths outside the base answer false.
 */
export function createConsoleHandler(options: ConsoleHandlerOptions): ConsoleRequestHandler {
  const base = normaliseBase(options.basePath ?? '');
  const { source } = options;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const route = routeOf(url.pathname, base);
    if (route === undefined) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain', 'the console is read-only: GET only\n', { allow: 'GET, HEAD' });
      return true;
    }
    try {
      await serve(route, url, req, res, base, source);
    } catch (error) {
      if (!res.headersSent) send(res, 500, 'text/plain', `console: ${describeError(error)}\n`);
      else res.end();
    }
    return true;
  };
}

async function serve(
  route: string,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  base: string,
  source: ConsoleDataSource,
): Promise<void> {
  switch (route) {
    case '/':
    case '': {
      const [snapshot, types] = await Promise.all([source.snapshot(), typesOf(source)]);
      return sendHtml(res, renderOverview(base, snapshot, types));
    }
    case '/fragments/status':
      return sendHtml(res, renderStatus(await source.snapshot()));
    case '/api/status':
      return send(res, 200, 'application/json', JSON.stringify(await source.snapshot()));
    case '/query':
      return sendHtml(res, await queryPage(url, base, source));
    case '/events': {
      const type = url.searchParams.get('type');
      return streamTailEvents(req, res, source.feed, type === null || type === '' ? undefined : type);
    }
    case '/assets/console.css':
      return send(res, 200, 'text/css', CONSOLE_CSS);
    case '/assets/console.js':
      return send(res, 200, 'text/javascript', CONSOLE_JS);
    case '/assets/favicon.svg':
    case '/favicon.ico': // browsers ask the root for it whatever the page names
      return send(res, 200, 'image/svg+xml', CONSOLE_ICON);
    default:
      return send(res, 404, 'text/plain', 'no such console page\n');
  }
}

/** The query page: the form as filled in, and the result or the typed error's line (never a stack). */
async function queryPage(url: URL, base: string, source: ConsoleDataSource): Promise<Html> {
  const input: ConsoleQueryInput = Object.fromEntries(
    ['type', 'op', 'mode', 'q', 'params'].flatMap((k) => {
      const value = url.searchParams.get(k);
      return value === null ? [] : [[k, value]];
    }),
  );
  const types = await typesOf(source);
  let panel;
  if (input.type === undefined) {
    panel = { input };
  } else {
    try {
      panel = { input, result: await source.query(parseConsoleQuery(input)) };
    } catch (error) {
      panel = { input, error: describeError(error) };
    }
  }
  return renderLayout(base, source.space, renderQueryPanel(base, types, panel));
}

/** The types, or none while the grid cannot be reached (the page still shows what it can). */
async function typesOf(source: ConsoleDataSource): Promise<readonly string[]> {
  return source.types().catch(() => []);
}

function routeOf(pathname: string, base: string): string | undefined {
  if (base === '') return pathname;
  if (pathname === base) return '/';
  return pathname.startsWith(`${base}/`) ? pathname.slice(base.length) : undefined;
}

function normaliseBase(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function sendHtml(res: ServerResponse, page: Html): void {
  send(res, 200, 'text/html', page.text);
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...extra,
    'content-type': `${type}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
