// A sandbox per lesson, as a learner meets it in real Chromium: a second lesson opens on
// a fresh sandbox, the first keeps its containers and is rejoined, Reset lesson starts
// over, and the per-learner cap names the sandboxes to close.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestServer } from '../support/testServer.js';
import { ARTIFACTS } from '../support/browser.js';
import { openLearnerBrowser, terminalShows as shows, typeInTerminal, type LearnerBrowser } from '../support/learnerBrowser.js';

const LESSONS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../lessons');

let learner: LearnerBrowser;
let server: TestServer;
let page: Page;

beforeAll(async () => {
  learner = await openLearnerBrowser({ lessonsDir: LESSONS, warmPoolSize: 2, maxPerLearner: 2 });
  ({ server, page } = learner);
});

afterAll(async () => {
  await learner?.close();
});

const sessionOf = (lesson: string) => page.evaluate((id) => JSON.parse(localStorage.getItem('drydock.sandboxes') ?? '{}')[id]?.id as string | undefined, lesson);

async function openLesson(lesson: string): Promise<void> {
  await page.goto(`${server.url}/#/lesson/${lesson}`);
  await page.getByRole('status').filter({ hasText: 'Sandbox ready' }).waitFor({ timeout: 60_000 });
  await terminalShows('drydock:');
}

const terminalShows = (text: string) => shows(page, text);
const type = (line: string) => typeInTerminal(page, line);

describe('a sandbox per lesson in the browser', () => {
  let welcome: string | undefined;

  it("opens a second lesson on a fresh sandbox while the first lesson's keeps its containers", async () => {
    await openLesson('welcome');
    welcome = await sessionOf('welcome');
    await type('docker run -d --name from-welcome busybox sleep 600 && echo started-$((6*7))');
    await terminalShows('started-42');

    await openLesson('images');
    const images = await sessionOf('images');
    expect(images).toBeTruthy();
    expect(images).not.toBe(welcome);
    await type('echo "containers: $(docker ps -aq | wc -l)"');
    await terminalShows('containers: 0');

    // Back to the first lesson: its own sandbox again, container and all.
    await openLesson('welcome');
    expect(await sessionOf('welcome')).toBe(welcome);
    await type('docker ps --format "running {{.Names}}"');
    await terminalShows('running from-welcome');
    await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-sandbox-rejoined.png') });
  });

  it('resets a lesson onto a fresh sandbox', async () => {
    await page.getByRole('button', { name: 'Reset lesson' }).click();
    await page.waitForFunction((old) => JSON.parse(localStorage.getItem('drydock.sandboxes') ?? '{}').welcome?.id !== old, welcome);
    await page.getByRole('status').filter({ hasText: 'Sandbox ready' }).waitFor({ timeout: 60_000 });
    await terminalShows('drydock:');
    await type('echo "after reset: $(docker ps -aq | wc -l) containers"');
    await terminalShows('after reset: 0 containers');
    expect(server.app.sessions.get(welcome!)).toBeUndefined(); // ended and gone
  });

  it('names the sandboxes to close at the per-learner cap, and opens the lesson once one is closed', async () => {
    await page.goto(`${server.url}/#/lesson/volumes`);
    const notice = page.getByRole('region', { name: /Close a sandbox/ });
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.getByRole('listitem').count()).toBe(2);
    await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-sandbox-cap.png') });
    await notice.getByRole('listitem').filter({ hasText: /Images/i }).getByRole('button', { name: 'Close it' }).click();
    await page.getByRole('status').filter({ hasText: 'Sandbox ready' }).waitFor({ timeout: 60_000 });
    expect(await sessionOf('volumes')).toBeTruthy();
    const mine = await page.evaluate(async () => (await (await fetch('/api/me/sandboxes')).json()).sandboxes.map((box: { lesson: string }) => box.lesson).sort());
    expect(mine).toEqual(['volumes', 'welcome']);
  });
});
