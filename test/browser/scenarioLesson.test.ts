// An imported KillerCoda scenario in real Chromium: its foreground script is typed into
// the terminal as the step opens, an {{exec}} block's Run types its command, and the
// step's verify script passes by itself (live checks).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS } from '../support/browser.js';
import { openLearnerBrowser, terminalShows, type LearnerBrowser } from '../support/learnerBrowser.js';

const SCENARIOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/scenarios');

let learner: LearnerBrowser;

beforeAll(async () => {
  learner = await openLearnerBrowser({ scenarioDirs: [SCENARIOS] });
});

afterAll(async () => {
  await learner?.close();
});

describe('an imported scenario in the browser', () => {
  it('types the foreground, runs an {{exec}} block and sees its verify pass', async () => {
    const { page, server } = learner;
    await page.goto(`${server.url}/#/`);
    await page.getByRole('heading', { name: 'Imported scenarios' }).waitFor();
    await page.getByRole('link', { name: /Serve a page, keep notes in a volume/ }).click();
    await page.getByRole('status').filter({ hasText: 'Sandbox ready' }).waitFor({ timeout: 60_000 });
    await terminalShows(page, 'Your machine is ready.');
    // The first Run of the step: `docker run -d --name web … nginx`.
    await page.locator('.code-block.runnable').filter({ hasText: 'docker run -d --name web' }).first().getByRole('button', { name: 'Run' }).click();
    await page.getByText('All checks pass').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: /Keep notes in a volume/ }).waitFor();
    expect(await page.getByRole('button', { name: /Keep notes in a volume/ }).isDisabled()).toBe(false);
    // A command inside a sentence runs on click too.
    await page.locator('code[data-run="cat site/index.html"]').click();
    await terminalShows(page, 'Hello from the scenario');
    await page.screenshot({ path: path.join(ARTIFACTS, 'scenario-lesson.png') });
  });
});
