// Live checks in real Chromium: the learner types the step's command in the terminal and
// the step's checks turn green and the next step unlocks without pressing Check.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/testServer.js';
import { ARTIFACTS, launchBrowser } from '../support/browser.js';

let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startTestServer({ warmPoolSize: 1 });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('live checks in the browser', () => {
  it("turns a step's checks green and unlocks the next step as the learner types, without Check", async () => {
    await page.goto(`${server.url}/#/lesson/sample`);
    await page.getByRole('status').filter({ hasText: 'Sandbox ready' }).waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent?.includes('drydock:'), null, { timeout: 60_000 });
    await page.getByText('The checks run by themselves as you work').waitFor();
    expect(await page.getByRole('button', { name: 'Serve a page' }).isDisabled()).toBe(true);
    let checkPresses = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/checks')) checkPresses += 1;
    });

    await page.locator('.xterm-helper-textarea').first().focus();
    await page.keyboard.type('docker version > /dev/null\r');
    await page.getByText('All checks pass').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: /Ask the engine.*done/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Serve a page' }).isDisabled()).toBe(false);
    expect(checkPresses).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'live-checks.png') });
  });
});
