// A workshop in real Chromium: an instructor creates a classroom in the form, two
// learners join with the code in their own browsers, one passes a step, and the
// instructor's grid changes by itself; a broadcast reaches the other learner.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/testServer.js';
import { ARTIFACTS, launchBrowser } from '../support/browser.js';

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let instructor: Page;
const learners: Record<string, Page> = {};
let code = '';

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  return page;
}

beforeAll(async () => {
  server = await startTestServer({ warmPoolSize: 2 });
  browser = await launchBrowser();
  instructor = await newPage();
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await server?.close();
});

const cell = (learner: string, status: string) => instructor.locator(`tr[data-learner="${learner}"] td[data-cell="sample/version"][data-status="${status}"]`);

describe('a classroom in the browser', () => {
  it('is created by an instructor in the form and shows its join code', async () => {
    await instructor.goto(`${server.url}/#/teach`);
    await instructor.getByLabel('Name').fill('Browser workshop');
    await instructor.getByRole('checkbox', { name: 'A sample lesson' }).check();
    await instructor.getByLabel('Points for A sample lesson: Ask the engine').fill('10');
    await instructor.getByRole('button', { name: 'Create the classroom' }).click();
    await instructor.waitForURL(/#\/teach\/[\w-]+\/[\w-]+$/);
    code = (await instructor.locator('.join-code').textContent({ timeout: 15_000 }))!.trim();
    expect(code).toMatch(/^[A-Z2-9]{6}$/);
    await instructor.getByRole('status').filter({ hasText: 'live' }).waitFor();
  });

  it('lets two learners join with the code, each in their own browser', async () => {
    for (const name of ['Ana', 'Ben']) {
      const page = await newPage();
      learners[name] = page;
      await page.goto(`${server.url}/#/join/${code}`);
      await page.getByText('Browser workshop').waitFor();
      await page.getByLabel('Your name, as your instructor will see it').fill(name);
      await page.getByRole('button', { name: 'Join' }).click();
      await page.getByRole('complementary', { name: 'Your classroom' }).getByText(name).waitFor();
    }
    // A name already taken gets a clear answer.
    const late = await newPage();
    await late.goto(`${server.url}/#/join/${code}`);
    await late.getByLabel('Your name, as your instructor will see it').fill('ana');
    await late.getByRole('button', { name: 'Join' }).click();
    await late.getByRole('alert').filter({ hasText: 'already taken' }).waitFor();

    await instructor.locator('tr[data-learner="Ana"]').waitFor();
    await instructor.locator('tr[data-learner="Ben"]').waitFor();
    expect(await cell('Ana', 'untried').count()).toBe(1);
  });

  it('shows a learner passing a step on the instructor grid without a reload', async () => {
    const ana = learners.Ana;
    await ana.getByRole('link', { name: /A sample lesson/ }).click();
    await ana.getByRole('status').filter({ hasText: 'Sandbox ready' }).waitFor({ timeout: 60_000 });
    await ana.waitForFunction(() => [...document.querySelectorAll('.xterm-rows')].some((rows) => rows.textContent?.includes('drydock:')), null, { timeout: 60_000 });
    await ana.getByRole('button', { name: 'Run' }).first().click();
    await ana.waitForFunction(() => [...document.querySelectorAll('.xterm-rows')].some((rows) => rows.textContent?.includes('docker-init')), null, { timeout: 60_000 });
    const before = await instructor.evaluate(() => performance.now());
    await ana.getByRole('button', { name: 'Check' }).click();
    await ana.getByText('All checks pass').waitFor();

    await cell('Ana', 'passed').waitFor({ timeout: 10_000 });
    const after = await instructor.evaluate(() => performance.now());
    console.log(`instructor grid showed the pass ${Math.round(after - before)} ms after Check was pressed`);
    expect(await cell('Ben', 'untried').count()).toBe(1);
    await expect(instructor.locator('tr[data-learner="Ana"] .total').textContent()).resolves.toMatch(/^10 \//);
    await instructor.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  });

  it('watches a learner read-only, broadcasts, and exports the grades', async () => {
    await instructor.getByRole('button', { name: 'Ana' }).click();
    await instructor.getByRole('status').filter({ hasText: 'Watching Ana (read-only)' }).waitFor({ timeout: 30_000 });

    await instructor.getByLabel('Message to everyone').fill('Ten minutes left');
    await instructor.getByRole('button', { name: 'Send' }).click();
    await learners.Ben.getByRole('status').filter({ hasText: 'Ten minutes left' }).waitFor();

    const csvUrl = await instructor.getByRole('link', { name: 'Export grades (CSV)' }).getAttribute('href');
    const csv = await (await fetch(server.url + csvUrl)).text();
    expect(csv.split('\r\n')[0]).toContain('sample/version (10)');
    expect(csv).toMatch(/^Ana,[^,]+,10,/m);
    expect(csv).toMatch(/^Ben,[^,]+,0,/m);
  });
});
