import type { MirrorView, TypeCount } from './ConsoleDataSource';
import { html, type Html } from './html';

/** Entries per type, counted through the grid. */
export function renderCounts(counts: readonly TypeCount[], error: string | undefined): Html {
  if (error !== undefined) return html`<p class="error">entries not counted: ${error}</p>`;
  const rows = counts.map(
    (c) =>
      html`<tr data-type="${c.type}">
        <td>${c.type}</td>
        <td class="num">${c.count ?? html`<span class="bad" title="${c.error}">?</span>`}</td>
      </tr>`,
  );
  return html`<table id="counts">
    <thead>
      <tr>
        <th>type</th>
        <th class="num">entries</th>
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

/** The mirror's lag per partition and its oldest dead letters; a note when no mirror was given. */
export function renderMirror(mirror: MirrorView | undefined): Html {
  if (mirror === undefined) {
    return html`<p class="muted">no mirror database given (spacelog console --mirror [url])</p>`;
  }
  if (mirror.error !== undefined) {
    return html`<p class="error">mirror in schema ${mirror.schema} not readable: ${mirror.error}</p>`;
  }
  const lagRows = (mirror.lag ?? []).map(
    (l) =>
      html`<tr data-partition="${l.partition}">
        <td class="num">${l.partition}</td>
        <td class="num">${l.appliedOffset}</td>
        <td class="num">${l.endOffset}</td>
        <td class="num ${l.records === 0 ? 'ok' : 'warn'}">${l.records}</td>
        <td class="num ${l.deadLetters === 0 ? '' : 'bad'}">${l.deadLetters}</td>
      </tr>`,
  );
  const letters = mirror.deadLetters ?? [];
  const letterRows = letters.map(
    (d) =>
      html`<tr>
        <td class="num">${d.partition}</td>
        <td class="num">${d.offset}</td>
        <td>${d.code}</td>
        <td>${d.op ?? '?'}</td>
        <td class="mono">${d.key === null ? '(no key)' : d.key.toString('utf8')}</td>
        <td>${d.deadLetteredAt.toISOString()}</td>
        <td>${d.message}</td>
      </tr>`,
  );
  return html`<p class="muted">schema ${mirror.schema}</p>
    <table id="mirror-lag">
      <thead>
        <tr>
          <th class="num">partition</th>
          <th class="num">applied offset</th>
          <th class="num">log end</th>
          <th class="num">lag (records)</th>
          <th class="num">dead letters</th>
        </tr>
      </thead>
      <tbody>
        ${lagRows}
      </tbody>
    </table>
    <h3>Dead letters</h3>
    ${
      letters.length === 0
        ? html`<p class="muted" id="no-dead-letters">none</p>`
        : html`<table id="dead-letters">
            <thead>
              <tr>
                <th class="num">partition</th>
                <th class="num">offset</th>
                <th>code</th>
                <th>op</th>
                <th>key</th>
                <th>when</th>
                <th>why</th>
              </tr>
            </thead>
            <tbody>
              ${letterRows}
            </tbody>
          </table>`
    }`;
}
