import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install -y chromium`); SPACELOG_TEST_CHROMIUM names another binary. */
export const CHROMIUM = process.env.SPACELOG_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where the console tests leave their screenshots (ignored by git). */
export const ARTIFACTS = path.resolve(__dirname, '..', '..', '..', 'test-artifacts', 'console');

/** A headless Chromium with a profile of its own, removed by `close()`. */
export interface TestBrowser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  /** Saves a full-page screenshot as `test-artifacts/console/<name>.png`; returns the path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Launches the real browser the console tests drive. A missing browser is an error that says how to
 * install it, never a skipped test: in CI (CI=true) and on a workstation alike the tests must run.
 */
export async function launchTestBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the web console tests need Chromium at ${CHROMIUM}${process.env.CI === 'true' ? ' (CI=true: no skipping)' : ''}: ` +
        'install it with `sudo apt-get install -y chromium` (.ci/run does), or set SPACELOG_TEST_CHROMIUM',
    );
  }
  const profile = mkdtempSync(path.join(tmpdir(), 'spacelog-chromium-'));
  // A persistent context: playwright takes the fresh profile folder this way, not as an argument.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    // A closed network and nothing running in the background: the tests talk to 127.0.0.1 only.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    newPage: async () => {
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      return page;
    },
    screenshot: async (page, name) => {
      const file = path.join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Polls until `probe` answers something (a guard against hanging, not a timing assertion). */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Opens the console's overview at `url` once its partition grid shows partition `partition` served,
 * and fails on any page error, browser console error or HTTP error answer on the way.
 */
export async function openOverview(browser: TestBrowser, url: string, partition = 1): Promise<Page> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(`${m.text()} ${m.location().url}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
  await page.goto(url);
  await page.waitForSelector(`#partitions tr[data-partition="${partition}"][data-serving="true"]`);
  if (problems.length > 0) throw new Error(`the overview had problems:\n${problems.join('\n')}`);
  return page;
}

/** Waits until the page shows `count` entries of `type` (the status panels refresh every 2 s). */
export function untilCountShown(page: Page, type: string, count: number): Promise<true> {
  return until(`the ${type} count on the page`, async () =>
    (await page.textContent(`#counts tr[data-type="${type}"] td.num`))?.trim() === String(count)
      ? true
      : undefined,
  );
}

/** Waits until the mirror panel shows lag 0 on each of `partitions` partitions. */
export function untilMirrorCaughtUp(page: Page, partitions: number): Promise<true> {
  return until('the mirror caught up on the page', async () => {
    const lags = await page.$$eval('#mirror-lag tbody tr td:nth-child(4)', (tds) =>
      tds.map((td) => td.textContent?.trim()),
    );
    return lags.length === partitions && lags.every((l) => l === '0') ? true : undefined;
  });
}

/** The query box's fields as a test fills them in (absent: left as they are). */
export interface QueryForm {
  readonly type?: string;
  readonly op?: string;
  readonly mode?: string;
  readonly q: string;
  readonly params?: string;
}

/** Fills the query box and runs it; resolves once the answer's page has loaded. */
export async function runQueryBox(page: Page, form: QueryForm): Promise<void> {
  if (form.type !== undefined) await page.selectOption('#q-type', form.type);
  if (form.op !== undefined) await page.selectOption('#q-op', form.op);
  if (form.mode !== undefined) await page.selectOption('#q-mode', form.mode);
  await page.fill('#q-text', form.q);
  if (form.params !== undefined) await page.fill('#q-params', form.params);
  await Promise.all([page.waitForNavigation(), page.click('#q-run')]);
}

/** The first column (the id) of each row the query answered. */
export function queryResultIds(page: Page): Promise<(string | null)[]> {
  return page.$$eval('#query-results tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
}

/** Waits for the live tail to show the mutation of entry `id`; its type and its row's text. */
export async function tailRowOf(
  page: Page,
  id: string,
): Promise<{ type: string | null; text: string | null }> {
  const row = await page.waitForSelector(`#tail-body tr[data-id="${id}"]`);
  return row.evaluate((tr) => ({ type: tr.getAttribute('data-type'), text: tr.textContent }));
}
