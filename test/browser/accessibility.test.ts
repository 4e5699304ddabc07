// Accessibility proven, not claimed: axe-core runs in real Chromium on the catalog, a
// lesson beside its live terminal, the join page, an instructor's dashboard (with an LMS
// course's Gradebook column and a refused score to send again), and the pages an LMS
// opens (the deep-linking picker, a refused launch), in the light and the dark theme.
// Serious and critical violations fail; all are printed.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AxeResults, Result } from 'axe-core';
import { startTestServer, type TestServer } from '../support/testServer.js';
import { launchBrowser } from '../support/browser.js';
import { ensureWebBuilt } from '../../scripts/webBuild.js';
import { INSTRUCTOR_ROLE, learnerCookie, TestPlatform } from '../support/ltiPlatform.js';
import { recordCheckRun } from '../../sandbox-server/src/classrooms/checkRecorder.js';

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const BLOCKING = ['serious', 'critical'];

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let classroom: { id: string; code: string; instructorToken: string };
let platform: TestPlatform;

beforeAll(async () => {
  // The pages are checked as built: a stale build would test yesterday's markup.
  await ensureWebBuilt();
  server = await startTestServer({ warmPoolSize: 2 });
  browser = await launchBrowser();
  const created = await server.client.requestJson('POST', '/api/classrooms', undefined, {
    name: 'Accessible workshop',
    lessons: ['sample'],
    exercises: [{ lesson: 'sample', step: 'version', points: 10 }],
  });
  expect(created.status, created.text).toBe(201);
  classroom = created.json;
  // A learner on the grid, so its rows and cells are checked too (no sandbox needed).
  const joined = await server.client.requestJson('POST', `/api/classrooms/${classroom.code}/join`, undefined, { name: 'Ana' });
  expect(joined.status, joined.text).toBe(201);
  platform = await TestPlatform.start({ clientId: 'drydock-axe', deploymentId: 'deployment-1', toolUrl: server.url });
  const registered = await server.app.lti.platforms.register(platform.registration('Test LMS'));
  // The classroom also serves an LMS course, with a student's score the gradebook refused:
  // the Gradebook column and "Send them again" are checked too.
  await server.app.lti.launches.bindCourse({ classroomId: classroom.id, platformId: registered.id, contextId: 'course-a11y', contextTitle: 'Accessible course' });
  const lineItem = platform.createLineItem({ label: 'Accessible workshop', scoreMaximum: 10 });
  platform.lockLineItem(lineItem, true);
  const student = await platform.launch({ user: { sub: 'lin', name: 'Lin' }, targetLinkUri: `${server.url}/lti/launch`, custom: { classroom: classroom.id }, context: { id: 'course-a11y' }, lineItem });
  const { learnerId } = await (await fetch(`${server.url}/api/me`, { headers: { cookie: learnerCookie(student.cookies) } })).json();
  const lesson = server.app.lessons.lesson('sample')!;
  await recordCheckRun(server.app, learnerId, lesson, lesson.steps.find((step) => step.id === 'version')!, { passed: true, points: 1, maxPoints: 1, results: [] }, 'learner');
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await platform?.close();
  await browser?.close();
  await server?.close();
});

async function newPage(colorScheme: 'light' | 'dark'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme });
  contexts.push(context);
  return context.newPage();
}

/** Runs axe on the whole page, prints every violation and returns the serious and critical ones. */
async function blockingViolations(page: Page, label: string): Promise<Result[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_SCRIPT });
  const results = await page.evaluate(() => (window as unknown as { axe: { run: (context: Document) => Promise<AxeResults> } }).axe.run(document));
  const lines = results.violations.map((violation) => {
    const targets = violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join(' | ');
    return `  ${violation.impact ?? 'unknown'} ${violation.id}: ${violation.help} (${violation.nodes.length} ${violation.nodes.length === 1 ? 'node' : 'nodes'}) → ${targets}`;
  });
  console.log(`axe on ${label}: ${results.violations.length} violation(s), ${results.passes.length} rules passed${lines.length ? `\n${lines.join('\n')}` : ''}`);
  return results.violations.filter((violation) => BLOCKING.includes(violation.impact ?? ''));
}

const terminalShows = (page: Page, wanted: string) =>
  page.waitForFunction((text) => [...document.querySelectorAll('.xterm-rows')].some((rows) => rows.textContent?.includes(text)), wanted, { timeout: 60_000 });

const ids = (violations: Result[]) => violations.map((violation) => `${violation.impact} ${violation.id}`);

describe.each(['light', 'dark'] as const)('the %s theme', (scheme) => {
  it('has an accessible lesson catalog', async () => {
    const page = await newPage(scheme);
    await page.goto(`${server.url}/#/`);
    await page.getByRole('link', { name: /A sample lesson/ }).waitFor();
    expect(ids(await blockingViolations(page, `the catalog (${scheme})`))).toEqual([]);
  });

  it('has an accessible lesson page with its sandbox and terminal', async () => {
    const page = await newPage(scheme);
    await page.goto(`${server.url}/#/lesson/sample`);
    await page.getByRole('heading', { name: '1. Ask the engine' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Sandbox ready' }).waitFor({ timeout: 60_000 });
    await terminalShows(page, 'drydock:');
    // The Run and Copy buttons are added to the code blocks after the step renders.
    await page.getByRole('button', { name: 'Copy' }).first().waitFor();
    // Check results in both states, each with its own colours.
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await page.getByText('Not there yet').waitFor();
    expect(ids(await blockingViolations(page, `a lesson, checks not passed (${scheme})`))).toEqual([]);
    await page.locator('.xterm-helper-textarea').first().focus();
    await page.keyboard.type('docker version > /dev/null && echo answered-$((6*7))\r');
    await terminalShows(page, 'answered-42');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await page.getByText('All checks pass').waitFor({ timeout: 20_000 });
    expect(ids(await blockingViolations(page, `a lesson, checks passed (${scheme})`))).toEqual([]);
  });

  it('has an accessible join page', async () => {
    const page = await newPage(scheme);
    await page.goto(`${server.url}/#/join`);
    await page.getByLabel('Classroom code').fill(classroom.code);
    await page.getByRole('status').filter({ hasText: 'Accessible workshop' }).waitFor();
    expect(ids(await blockingViolations(page, `the join page (${scheme})`))).toEqual([]);
  });

  it("has an accessible picker for a teacher adding Drydock to their course", async () => {
    const page = await newPage(scheme);
    await page.goto(platform.launchUrl({ user: { sub: 'tess', name: 'Tess', roles: [INSTRUCTOR_ROLE] }, messageType: 'LtiDeepLinkingRequest', targetLinkUri: `${server.url}/lti/launch` }));
    await page.getByRole('button', { name: 'Add the lesson A sample lesson' }).waitFor({ timeout: 15_000 });
    expect(ids(await blockingViolations(page, `the deep-linking picker (${scheme})`))).toEqual([]);
  });

  it('has an accessible page for a refused launch', async () => {
    const page = await newPage(scheme);
    await page.goto(platform.launchUrl({ user: { sub: 'mallory' }, targetLinkUri: `${server.url}/lti/launch`, custom: { lesson: 'sample' }, spoil: 'expired' }));
    await page.locator('#lti-error').waitFor({ timeout: 15_000 });
    expect(ids(await blockingViolations(page, `a refused launch (${scheme})`))).toEqual([]);
  });

  it('has an accessible instructor dashboard', async () => {
    const page = await newPage(scheme);
    await page.goto(`${server.url}/#/teach/${classroom.id}/${classroom.instructorToken}`);
    await page.getByRole('status').filter({ hasText: 'live' }).waitFor();
    await page.locator('tr[data-learner="Ana"]').waitFor();
    await page.getByRole('button', { name: 'Send them again' }).waitFor({ timeout: 15_000 });
    // With a learner's help panel open, so the panel is checked as well.
    await page.getByRole('button', { name: 'Ana' }).click();
    await page.getByRole('heading', { name: /^Ana/ }).waitFor();
    expect(ids(await blockingViolations(page, `the instructor dashboard (${scheme})`))).toEqual([]);
  });
});
