// A learner in real Chromium against the built app and the real server: catalog,
// lesson, Run, Check, reload (same shell, same progress), port preview.
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
  page.on('dialog', (dialog) => void dialog.accept());
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function waitForTerminal(text: string, timeout = 60_000) {
  await page.waitForFunction(
    (wanted) => [...document.querySelectorAll('.xterm-rows')].some((rows) => rows.textContent?.includes(wanted)),
    text,
    { timeout },
  );
}

describe('a learner in the browser', () => {
  it('finds the lessons in the catalog', async () => {
    await page.goto(`${server.url}/#/`);
    await page.getByRole('link', { name: /A sample lesson/ }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'catalog.png') });
  });

  it('opens a lesson and gets a ready sandbox with a shell', async () => {
    await page.getByRole('link', { name: /A sample lesson/ }).click();
    await page.getByRole('status').filter({ hasText: 'Sandbox ready' }).waitFor({ timeout: 60_000 });
    await waitForTerminal('drydock:');
    // The next step opens once this one's checks pass.
    expect(await page.getByRole('button', { name: 'Serve a page' }).isDisabled()).toBe(true);
  });

  it('runs a command with the Run button and sees its output in the terminal', async () => {
    await page.getByRole('button', { name: 'Run' }).first().click();
    await waitForTerminal('docker-init');
  });

  it('checks the step and sees it pass', async () => {
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText('All checks pass').waitFor();
    await expect(page.getByRole('button', { name: /Ask the engine.*done/ }).count()).resolves.toBe(1);
    expect(await page.getByRole('button', { name: 'Serve a page' }).isDisabled()).toBe(false);
    await page.screenshot({ path: path.join(ARTIFACTS, 'lesson.png') });
  });

  it('finds the same shell and the same progress after a reload', async () => {
    await page.locator('.xterm-helper-textarea').first().focus();
    await page.keyboard.type('export RELOAD_MARK=kept-$((40+2))\r');
    await page.reload();
    await waitForTerminal('docker-init'); // the same screen came back
    await expect(page.getByRole('button', { name: /Ask the engine.*done/ }).count()).resolves.toBe(1);
    await page.locator('.xterm-helper-textarea').first().focus();
    await page.keyboard.type('echo "mark=$RELOAD_MARK"\r');
    await waitForTerminal('mark=kept-42');
  });

  it('opens a published port in the preview', async () => {
    await page.getByRole('button', { name: 'Serve a page' }).click();
    await page.locator('.xterm-helper-textarea').first().focus();
    await page.keyboard.type('docker run -d --name web -p 8080:80 -v "$PWD/site:/usr/share/nginx/html" nginx\r');
    await page.getByRole('button', { name: 'Preview' }).click({ timeout: 60_000 });
    const frame = page.frameLocator('iframe[title="Preview of port 8080"]');
    await frame.getByText('Hello from Drydock').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'preview.png') });
  });
});
