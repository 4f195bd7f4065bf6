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
