import { InvalidArgumentError } from '../../../src/errors';
import { parseConsoleQuery } from '../../../src/console/consoleQuery';
import { escapeHtml, html } from '../../../src/console/html';
import { renderQueryPanel } from '../../../src/console/renderPages';

describe('console html', () => {
  it('escapes every interpolated value unless it is html already', () => {
    const name = `<script>alert("x")</script>'&`;
    expect(html`<td>${name}</td>`.text).toBe(
      '<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;</td>',
    );
    const row = html`[${[html`(${'a<'})`, 'b>']}]`.text;
    expect(row).toBe('[(a&lt;)b&gt;]');
    expect(html`${null}${undefined}${false}${0}`.text).toBe('0');
    expect(escapeHtml('" onload=`x`')).toBe('&quot; onload=&#96;x&#96;');
  });

  it('renders a query error and the query text as text', () => {
    const page = renderQueryPanel('', ['Order'], {
      input: { type: 'Order', q: '</textarea><img src=x>' },
      error: 'QuerySyntaxError (QUERY_SYNTAX): <b>',
    }).text;
    expect(page).toContain('&lt;/textarea&gt;&lt;img src=x&gt;');
    expect(page).toContain('QuerySyntaxError (QUERY_SYNTAX): &lt;b&gt;');
    expect(page).not.toContain('<img');
  });
});

describe('parseConsoleQuery', () => {
  it('reads a WHERE query with JSON parameters, a template and an id', () => {
    expect(
      parseConsoleQuery({ type: 'Order', op: 'readMultiple', mode: 'where', q: 'total > ?', params: '[10]' }),
    ).toEqual({
      type: 'Order',
      operation: 'readMultiple',
      selector: { query: 'total > ?', params: [10] },
    });
    expect(parseConsoleQuery({ type: 'Order', op: 'count', mode: 'template', q: '' }).selector).toEqual({
      template: {},
    });
    expect(parseConsoleQuery({ type: 'Order', op: 'read', mode: 'id', q: 'o-1' }).selector).toEqual({
      id: 'o-1',
    });
  });

  it('refuses anything but read, readMultiple and count, and malformed input, with InvalidArgumentError', () => {
    for (const input of [
      { type: 'Order', op: 'take' },
      { type: 'Order', op: 'clear' },
      { type: '' },
      { type: 'Order', mode: 'template', q: '[1]' },
      { type: 'Order', mode: 'template', q: '{nope' },
      { type: 'Order', q: 'a = ?', params: '{"a":1}' },
      { type: 'Order', q: 'x'.repeat(5000) },
    ]) {
      expect(() => parseConsoleQuery(input)).toThrow(InvalidArgumentError);
    }
  });
});
