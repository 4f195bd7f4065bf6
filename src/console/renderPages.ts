import type { ConsoleQueryResult, ConsoleSnapshot } from './ConsoleDataSource';
import {
  CONSOLE_OPERATIONS,
  CONSOLE_QUERY_CAP,
  CONSOLE_SELECTOR_KINDS,
  type ConsoleQueryInput,
} from './consoleQuery';
import { html, type Html } from './html';
import { renderPartitions, renderUnits } from './renderCluster';
import { renderCounts, renderMirror } from './renderMirror';

/** What the query panel shows: the form as filled in, and a result or an error line. */
export interface QueryPanel {
  readonly input: ConsoleQueryInput;
  readonly result?: ConsoleQueryResult;
  readonly error?: string;
}

/** The whole page around `content`: header, the stylesheet and the script, no inline code. */
export function renderLayout(base: string, space: string, content: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Spacelog console: ${space}</title>
        <link rel="stylesheet" href="${base}/assets/console.css" />
        <link rel="icon" type="image/svg+xml" href="${base}/assets/favicon.svg" />
      </head>
      <body data-base="${base}">
        <header>
          <h1>Spacelog console</h1>
          <span>space <strong id="space-name">${space}</strong></span> <a href="${base}/">overview</a
          ><a href="${base}/query">query</a><a href="${base}/api/status">status JSON</a>
        </header>
        <main>${content}</main>
        <script src="${base}/assets/console.js"></script>
      </body>
    </html>`;
}

/** The status panels (units, partitions, entries, mirror), as the page embeds them and refreshes them. */
export function renderStatus(snapshot: ConsoleSnapshot): Html {
  return html`<section id="units-panel">
      <h2>Units</h2>
      ${renderUnits(snapshot.cluster, snapshot.clusterError)}
    </section>
    <section id="partitions-panel">
      <h2>Partitions</h2>
      ${snapshot.logEndsError === undefined ? '' : html`<p class="error">log ends not readable: ${snapshot.logEndsError}</p>`}
      ${renderPartitions(snapshot.cluster, snapshot.logEnds)}
    </section>
    <section id="counts-panel">
      <h2>Entries per type</h2>
      ${renderCounts(snapshot.counts, snapshot.countsError)}
    </section>
    <section id="mirror-panel">
      <h2>Mirror</h2>
      ${renderMirror(snapshot.mirror)}
    </section>`;
}

/** The overview: status panels (refreshed every 2 s), the live tail, and the query box. */
export function renderOverview(base: string, snapshot: ConsoleSnapshot, types: readonly string[]): Html {
  return renderLayout(
    base,
    snapshot.space,
    html`<p class="muted" id="status-stamp">read ${new Date(snapshot.takenAt).toISOString()}</p>
      <div id="status">${renderStatus(snapshot)}</div>
      ${renderTailPanel(types)} ${renderQueryPanel(base, types, { input: {} })}`,
  );
}

/** The live tail: a type filter and a table the script fills from the event stream. */
export function renderTailPanel(types: readonly string[]): Html {
  const options = types.map((t) => html`<option value="${t}">${t}</option>`);
  return html`<section id="tail-panel">
    <h2>Live tail</h2>
    <div class="toolbar">
      <label
        >type
        <select id="tail-type">
          <option value="">all types</option>
          ${options}
        </select></label
      >
      <span id="tail-state" class="warn">connecting...</span>
    </div>
    <table id="tail-table">
      <thead>
        <tr>
          <th>time</th>
          <th class="num">partition</th>
          <th class="num">offset</th>
          <th>op</th>
          <th>type</th>
          <th>id</th>
          <th class="num">version</th>
          <th>state</th>
        </tr>
      </thead>
      <tbody id="tail-body"></tbody>
    </table>
    <noscript><p class="muted">the live tail needs JavaScript</p></noscript>
  </section>`;
}

/** The read-only query box (a plain GET form: it works without the script) and its result. */
export function renderQueryPanel(base: string, types: readonly string[], panel: QueryPanel): Html {
  const { input } = panel;
  const typeOptions = types.map(
    (t) => html`<option value="${t}" ${input.type === t ? html` selected` : ''}>${t}</option>`,
  );
  const choice = (values: readonly string[], selected: string | undefined) =>
    values.map((v) => html`<option value="${v}" ${selected === v ? html` selected` : ''}>${v}</option>`);
  return html`<section id="query-panel">
    <h2>Query (read-only, at most ${CONSOLE_QUERY_CAP} entries)</h2>
    <form class="query" method="get" action="${base}/query">
      <label for="q-type">type</label
      ><select id="q-type" name="type">
        ${typeOptions}
      </select>
      <label for="q-op">operation</label
      ><select id="q-op" name="op">
        ${choice(CONSOLE_OPERATIONS, input.op)}
      </select>
      <label for="q-mode">selector</label
      ><select id="q-mode" name="mode">
        ${choice(CONSOLE_SELECTOR_KINDS, input.mode)}
      </select>
      <label for="q-text">query</label
      ><textarea
        id="q-text"
        name="q"
        placeholder='status = ? AND total > ? ORDER BY total DESC   |   {"status": "NEW"}   |   o-1'
      >
${input.q ?? ''}</textarea>
      <label for="q-params">parameters</label
      ><input
        id="q-params"
        name="params"
        class="mono"
        placeholder='["NEW", 10]'
        value="${input.params ?? ''}"
      />
      <span></span><button id="q-run" type="submit">Run</button>
    </form>
    ${renderQueryResult(panel)}
  </section>`;
}

function renderQueryResult(panel: QueryPanel): Html {
  if (panel.error !== undefined) return html`<p class="error" id="query-error">${panel.error}</p>`;
  const result = panel.result;
  if (result === undefined) return html``;
  if (result.count !== undefined) {
    return html`<p id="query-count">
      count: <strong>${result.count}</strong> <span class="muted">(${result.elapsedMs} ms)</span>
    </p>`;
  }
  const summary = html`<p id="query-summary">
    ${result.entries.length}
    entr${result.entries.length === 1 ? 'y' : 'ies'}${
      result.capped ? html` <span class="warn">(capped at ${CONSOLE_QUERY_CAP}: more matched)</span>` : ''
    } <span class="muted">(${result.elapsedMs} ms)</span>
  </p>`;
  if (result.entries.length === 0) return summary;
  const columns = [...new Set(result.entries.flatMap((e) => Object.keys(e)))];
  const rows = result.entries.map(
    (e) =>
      html`<tr>
        ${columns.map((c) => html`<td class="mono">${cellText(e[c])}</td>`)}
      </tr>`,
  );
  return html`${summary}
    <table id="query-results">
      <thead>
        <tr>
          ${columns.map((c) => html`<th>${c}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`;
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
