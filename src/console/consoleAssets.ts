/**
 * The console's stylesheet and script, served as files of their own so the pages can forbid inline
 * script and style (Content-Security-Policy `default-src 'self'`). Plain CSS and plain JavaScript: no
 * build step, no framework. The script only ever writes text (`textContent`), never markup, except
 * the status fragment, which the server renders escaped.
 */
export const CONSOLE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f5f6f8; }
header { background: #1d2430; color: #fff; padding: 10px 20px; display: flex; gap: 20px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
header a { color: #9fc3ff; }
main { padding: 10px 20px; }
section { background: #fff; border: 1px solid #d8dce3; border-radius: 6px; margin: 12px 0; padding: 8px 14px; }
h2 { font-size: 15px; margin: 6px 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eceef2; vertical-align: top; }
th { font-weight: 600; color: #4a5568; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f37; } .warn { color: #9a6700; } .bad { color: #cf222e; font-weight: 600; }
.muted { color: #6b7280; }
.error { color: #cf222e; background: #fff0f0; border: 1px solid #f3c2c2; padding: 6px 10px; border-radius: 4px; white-space: pre-wrap; }
pre, code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
#tail-table td { white-space: nowrap; } #tail-table td.state { white-space: normal; word-break: break-all; }
form.query { display: grid; grid-template-columns: max-content 1fr; gap: 6px 10px; align-items: center; }
form.query textarea { width: 100%; min-height: 60px; }
.toolbar { display: flex; gap: 12px; align-items: center; margin-bottom: 6px; }
`;

export const CONSOLE_JS = `
'use strict';
(function () {
  var base = document.body.getAttribute('data-base') || '';

  // Status panels: the server renders them (escaped); this swaps in a fresh copy every 2 s.
  var status = document.getElementById('status');
  var stamp = document.getElementById('status-stamp');
  function refresh() {
    fetch(base + '/fragments/status', { cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.text(); })
      .then(function (text) {
        status.innerHTML = text;
        stamp.textContent = 'updated ' + new Date().toLocaleTimeString();
        stamp.className = 'muted';
      })
      .catch(function (e) { stamp.textContent = 'console unreachable: ' + e.message; stamp.className = 'bad'; })
      .finally(function () { setTimeout(refresh, 2000); });
  }
  if (status) setTimeout(refresh, 2000);

  // Live tail over Server-Sent Events, filtered by type on the server.
  var body = document.getElementById('tail-body');
  var state = document.getElementById('tail-state');
  var filter = document.getElementById('tail-type');
  var source;
  var MAX_ROWS = 200;
  function cell(row, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }
  function show(line) {
    var row = document.createElement('tr');
    row.setAttribute('data-type', line.type);
    row.setAttribute('data-id', line.id);
    cell(row, new Date(line.timestamp).toLocaleTimeString());
    cell(row, String(line.partition), 'num');
    cell(row, String(line.offset), 'num');
    cell(row, line.op);
    cell(row, line.type);
    cell(row, line.id, 'mono');
    cell(row, String(line.version), 'num');
    cell(row, line.state === null ? '' : JSON.stringify(line.state), 'state mono');
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
  }
  function connect() {
    if (source) source.close();
    body.textContent = '';
    state.textContent = 'connecting...';
    state.className = 'warn';
    var type = filter && filter.value ? '?type=' + encodeURIComponent(filter.value) : '';
    source = new EventSource(base + '/events' + type);
    source.addEventListener('mutation', function (e) { show(JSON.parse(e.data)); });
    source.addEventListener('ready', function () { state.textContent = 'live'; state.className = 'ok'; });
    source.addEventListener('problem', function (e) { state.textContent = e.data; state.className = 'bad'; });
    source.onerror = function () { state.textContent = 'reconnecting...'; state.className = 'warn'; };
  }
  if (body) {
    connect();
    if (filter) filter.addEventListener('change', connect);
  }
})();
`;

/** The tab icon (served under the console's base, so a mounted console does not ask the host's root). */
export const CONSOLE_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d2430"/>' +
  '<path d="M3 4h10M3 8h7M3 12h10" stroke="#9fc3ff" stroke-width="2"/></svg>';
