// Live checks in real Chromium: the learner types the step's command in the terminal and
// the step's checks turn green and the next step unlocks without pressing Check.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS } from '../support/browser.js';
import { openLearnerBrowser, terminalShows, typeInTerminal, type LearnerBrowser } from '../support/learnerBrowser.js';

let learner: LearnerBrowser;
let page: Page;

beforeAll(async () => {
  learner = await openLearnerBrowser();
  page = learner.page;
});

afterAll(async () => {
  await learner?.close();
});

describe('live checks in the browser', () => {
  it("turns a step's checks green and unlocks the next step as the learner types, without Check", async () => {
    await page.goto(`${learner.server.url}/#/lesson/sample`);
    await page.getByRole('status').filter({ hasText: 'Sandbox ready' }).waitFor({ timeout: 60_000 });
    await terminalShows(page, 'drydock:');
    await page.getByText('The checks run by themselves as you work').waitFor();
    expect(await page.getByRole('button', { name: 'Serve a page' }).isDisabled()).toBe(true);
    let checkPresses = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/checks')) checkPresses += 1;
    });

    await typeInTerminal(page, 'docker version > /dev/null');
    await page.getByText('All checks pass').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: /Ask the engine.*done/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Serve a page' }).isDisabled()).toBe(false);
    expect(checkPresses).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'live-checks.png') });
  });
});
