// A test server and one learner's page in real Chromium, as most browser tests begin,
// and the two things they do most with the page's terminal.
import type { Browser, Page } from 'playwright-core';
import type { DrydockConfig } from '../../sandbox-server/src/config.js';
import { startTestServer, type TestServer } from './testServer.js';
import { launchBrowser } from './browser.js';

export interface LearnerBrowser {
  server: TestServer;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

export async function openLearnerBrowser(overrides: Partial<DrydockConfig> = {}): Promise<LearnerBrowser> {
  const server = await startTestServer({ warmPoolSize: 1, ...overrides });
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // Confirmations (Reset lesson, Solve) are accepted, as the learner would.
  page.on('dialog', (dialog) => void dialog.accept());
  return {
    server,
    browser,
    page,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Waits until one of the page's terminals shows the text. */
export async function terminalShows(page: Page, text: string, timeout = 60_000): Promise<void> {
  await page.waitForFunction((wanted) => [...document.querySelectorAll('.xterm-rows')].some((rows) => rows.textContent?.includes(wanted)), text, { timeout });
}

/** Types a line into the first terminal, Enter included. */
export async function typeInTerminal(page: Page, line: string): Promise<void> {
  await page.locator('.xterm-helper-textarea').first().focus();
  await page.keyboard.type(`${line}\r`);
}
