// The terminal's comforts in real Chromium: find in the scrollback, a font size that a
// reload keeps, the screen-reader mode, copy (on selection, and with Ctrl+C while text
// is selected; Ctrl+C without a selection still interrupts), and files moved in and out.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/testServer.js';
import { ARTIFACTS, launchBrowser } from '../support/browser.js';

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  server = await startTestServer({ warmPoolSize: 1 });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const terminalText = () => page.locator('.xterm-rows').first().innerText();

async function waitForTerminal(text: string, timeout = 60_000) {
  await page.waitForFunction((wanted) => document.querySelector('.xterm-rows')?.textContent?.includes(wanted), text, { timeout });
}

async function typeInTerminal(text: string) {
  await page.locator('.xterm-helper-textarea').first().focus();
  await page.keyboard.type(text);
}

const fontSize = () => page.locator('.xterm-rows').first().evaluate((rows) => getComputedStyle(rows).fontSize);

describe('the terminal', () => {
  it('finds text in the output and counts the matches', async () => {
    await page.goto(`${server.url}/#/lesson/sample`);
    await waitForTerminal('drydock:');
    await typeInTerminal('echo needle-$((40+2)); echo needle-$((40+2))\r');
    await waitForTerminal('needle-42');
    await page.evaluate(() => navigator.clipboard.writeText('before the search'));
    await page.getByRole('searchbox', { name: "Find in the terminal's output" }).fill('needle-42');
    await expect.poll(() => page.getByRole('toolbar').getByRole('status').innerText()).toMatch(/^\d of 2$/);
    // The match a search selects is not copied over what the learner had copied.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('before the search');
    await page.getByRole('searchbox', { name: "Find in the terminal's output" }).fill('no-such-text-anywhere');
    await expect.poll(() => page.getByRole('toolbar').getByRole('status').innerText()).toBe('no match');
    await page.getByRole('searchbox', { name: "Find in the terminal's output" }).press('Escape');
  });

  it('says how long the sandbox has left, and Extend keeps it', async () => {
    await expect.poll(() => page.getByRole('timer').innerText()).toMatch(/^expires in (29|30) min/);
    await page.getByRole('button', { name: 'Extend' }).click();
    expect(await page.getByRole('alert').count()).toBe(0);
    await expect.poll(() => page.getByRole('timer').innerText()).toMatch(/^expires in 30 min/);
  });

  it('changes the font size, and a reload keeps it', async () => {
    expect(await fontSize()).toBe('14px');
    await page.getByRole('button', { name: 'Larger text' }).click();
    await page.getByRole('button', { name: 'Larger text' }).click();
    await expect.poll(fontSize).toBe('16px');
    await page.reload();
    await waitForTerminal('needle-42');
    await expect.poll(fontSize).toBe('16px');
    await page.getByRole('button', { name: 'Smaller text' }).click();
    await expect.poll(fontSize).toBe('15px');
    await page.screenshot({ path: path.join(ARTIFACTS, 'terminal-toolbar.png') });
  });

  it('offers the screen-reader mode, which gives assistive technology the screen as text', async () => {
    expect(await page.locator('.xterm-accessibility').count()).toBe(0);
    await page.getByRole('checkbox', { name: 'Screen reader' }).check();
    await expect.poll(() => page.locator('.xterm-accessibility').count()).toBe(1);
    await page.getByRole('checkbox', { name: 'Screen reader' }).uncheck();
    await expect.poll(() => page.locator('.xterm-accessibility').count()).toBe(0);
  });

  it('copies a selection, with Ctrl+C too, and Ctrl+C without one interrupts', async () => {
    await page.evaluate(() => navigator.clipboard.writeText('before'));
    // Double-click a word of the output: copy on selection puts it on the clipboard.
    const row = page.locator('.xterm-rows > div', { hasText: /^needle-42\s*$/ }).first();
    const box = (await row.boundingBox())!;
    await page.mouse.dblclick(box.x + 12, box.y + box.height / 2);
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('needle-42');
    await page.evaluate(() => navigator.clipboard.writeText('before'));
    await page.mouse.dblclick(box.x + 12, box.y + box.height / 2);
    await page.getByRole('checkbox', { name: 'Copy on select' }).uncheck();
    await page.mouse.dblclick(box.x + 12, box.y + box.height / 2);
    await page.locator('.xterm-helper-textarea').first().focus();
    await page.evaluate(() => navigator.clipboard.writeText('before'));
    await page.keyboard.press('Control+c');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('needle-42');
    // No selection now: Ctrl+C interrupts the running command.
    await typeInTerminal('sleep 60; echo not-interrupted-$((1+1))\r');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await page.keyboard.press('Control+c');
    await typeInTerminal('echo after-$((6*7))\r');
    await waitForTerminal('after-42');
    expect(await terminalText()).not.toContain('not-interrupted-2');
    await page.getByRole('checkbox', { name: 'Copy on select' }).check();
  });

  it('uploads a file into /workspace from the Files tab, and downloads it back', async () => {
    await page.getByRole('tab', { name: 'Files' }).click();
    await page.getByLabel('Files to upload').setInputFiles({ name: 'notes.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([0, 1, 2, 254, 255, 10, 13]) });
    await page.getByText('Uploaded notes.bin').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download notes.bin' }).click()]);
    expect(download.suggestedFilename()).toBe('notes.bin');
    const saved = await download.path();
    expect([...(await import('node:fs')).readFileSync(saved!)]).toEqual([0, 1, 2, 254, 255, 10, 13]);
    await page.getByRole('tab', { name: 'main' }).click();
    await typeInTerminal('od -An -tu1 notes.bin\r');
    await waitForTerminal('0   1   2 254 255  10  13');
  });

  it('solves a practice step on request: typed into the terminal, then passed with help', async () => {
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Solve' }).click();
    await waitForTerminal('docker-init');
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText('All checks pass').waitFor();
    await expect.poll(() => page.getByRole('button', { name: /Ask the engine.*done with help/ }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Solve' }).count()).toBe(0);
  });
});
