// An LMS launch in real Chromium, through the test platform's real redirects and form
// posts: a student lands in the lesson under their platform name, passes a graded step
// in the terminal, and the platform's scores endpoint holds the score; a forged token,
// a replayed launch and a replayed nonce are refused in the page. A teacher picks a
// lesson for their course in Drydock's catalog (deep linking), and sends again from the
// classroom's dashboard a score the gradebook refused.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS } from '../support/browser.js';
import { openLearnerBrowser, terminalShows, typeInTerminal, type LearnerBrowser } from '../support/learnerBrowser.js';
import { autoPostForm, INSTRUCTOR_ROLE, learnerCookie, TestPlatform, type LaunchOptions } from '../support/ltiPlatform.js';
import { recordCheckRun } from '../../sandbox-server/src/classrooms/checkRecorder.js';
import { parseNewClassroom } from '../../sandbox-server/src/classrooms/classroomSettings.js';

let learner: LearnerBrowser;
let page: Page;
let platform: TestPlatform;

beforeAll(async () => {
  learner = await openLearnerBrowser();
  page = learner.page;
  platform = await TestPlatform.start({ clientId: 'drydock-browser', deploymentId: 'deployment-1', toolUrl: learner.server.url });
  await learner.server.app.lti.platforms.register(platform.registration('Test LMS'));
});

afterAll(async () => {
  await platform?.close();
  await learner?.close();
});

function launch(extra: Partial<LaunchOptions> = {}): LaunchOptions {
  return { user: { sub: 'ada-1815', name: 'Ada Lovelace', email: 'ada@school.example' }, targetLinkUri: `${learner.server.url}/lti/launch`, custom: { lesson: 'sample' }, ...extra };
}

/** An auto-submitting form to Drydock's launch URL, as a platform (or an attacker) posts it. */
function launchForm(fields: Record<string, string>): string {
  return autoPostForm(`${learner.server.url}/lti/launch`, fields);
}

async function refusalShown(): Promise<string> {
  return (await page.locator('#lti-error').textContent({ timeout: 15_000 })) ?? '';
}

describe('a launch from the LMS', () => {
  let firstForm: { id_token: string; state: string };

  it('lands the student in the lesson under their platform name, and a passed step reaches the gradebook', async () => {
    const lineItem = platform.createLineItem({ label: 'A sample lesson', scoreMaximum: 6 });
    await page.goto(platform.launchUrl(launch({ lineItem })));
    await page.waitForURL(/#\/lesson\/sample$/, { timeout: 15_000 });
    firstForm = { ...platform.lastLaunchForm! };
    await page.getByTestId('signed-in').filter({ hasText: 'Ada Lovelace' }).waitFor();
    expect(await page.getByTestId('signed-in').textContent()).toMatch(/Ada Lovelace\s*via Test LMS/);

    await page.getByRole('status').filter({ hasText: 'Sandbox ready' }).waitFor({ timeout: 60_000 });
    await terminalShows(page, 'drydock:');
    await typeInTerminal(page, 'docker version > /dev/null');
    await page.getByText('All checks pass').waitFor({ timeout: 20_000 });
    const start = Date.now();
    while (platform.scores(lineItem).length === 0 && Date.now() - start < 20_000) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(platform.scores(lineItem).map((received) => received.score)).toMatchObject([{ userId: 'ada-1815', scoreGiven: 1, scoreMaximum: 6, activityProgress: 'InProgress', gradingProgress: 'FullyGraded' }]);
    // The page says the score arrived, as the platform took it.
    await page.getByTestId('gradebook-notice').filter({ hasText: 'Gradebook: 1 / 6 received' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'lti-launch.png') });
  });

  it('refuses a forged token in the page', async () => {
    await page.goto(platform.launchUrl(launch({ spoil: 'wrong-key' })));
    expect(await refusalShown()).toMatch(/not signed by Test LMS/);
  });

  it('refuses the same launch posted again', async () => {
    await page.setContent(launchForm(firstForm));
    expect(await refusalShown()).toMatch(/already used/);
  });

  it("refuses an old id_token slipped into a new login (a replayed nonce)", async () => {
    // The browser begins a real login at Drydock; where the platform would answer with a
    // fresh id_token, the old one comes back with the new login's state.
    const login = `${learner.server.url}/lti/login?${new URLSearchParams({ iss: platform.issuer, login_hint: 'ada-1815', client_id: platform.clientId, target_link_uri: `${learner.server.url}/lti/launch` })}`;
    await page.route(login, async (route) => {
      const real = await route.fetch({ maxRedirects: 0 });
      const state = new URL(real.headers().location).searchParams.get('state')!;
      return route.fulfill({ status: 200, headers: { 'content-type': 'text/html', 'set-cookie': real.headers()['set-cookie'] }, body: launchForm({ id_token: firstForm.id_token, state }) });
    });
    try {
      await page.goto(login);
      expect(await refusalShown()).toMatch(/nonce differs/);
    } finally {
      await page.unroute(login);
    }
  });
});

describe('deep linking from the course editor', () => {
  it("lets a teacher pick a lesson from Drydock's catalog and sends it back to the course", async () => {
    const teacher = await learner.browser.newPage();
    try {
      await teacher.goto(platform.launchUrl({ user: { sub: 'tess', name: 'Tess Teacher', roles: [INSTRUCTOR_ROLE] }, messageType: 'LtiDeepLinkingRequest', targetLinkUri: `${learner.server.url}/lti/launch`, context: { id: 'course-7', title: 'Docker 101' } }));
      await teacher.getByRole('heading', { name: 'Add Drydock to Docker 101' }).waitFor({ timeout: 15_000 });
      await teacher.screenshot({ path: path.join(ARTIFACTS, 'lti-picker.png') });
      await teacher.getByRole('button', { name: 'Add the lesson A sample lesson' }).click();
      await teacher.locator('#deep-link-received').waitFor({ timeout: 15_000 });
      const [item] = platform.deepLinkReturns.at(-1)!.contentItems;
      expect(item).toMatchObject({ type: 'ltiResourceLink', title: 'A sample lesson', custom: { lesson: 'sample' }, lineItem: { scoreMaximum: 6 } });
    } finally {
      await teacher.close();
    }
  });
});

describe("the gradebook column of a course's classroom", () => {
  it('shows the student and the teacher a score the gradebook refused, and the teacher sends it again once the LMS takes it', async () => {
    const { app } = learner.server;
    const course = { id: 'course-9', title: 'Docker 201' };
    const { classroom } = await app.classrooms.create(parseNewClassroom({ name: 'Autumn lab', lessons: ['sample'] }, app.lessons));
    const [registered] = await app.lti.platforms.all();
    await app.lti.launches.bindCourse({ classroomId: classroom.id, platformId: registered.id, contextId: course.id, contextTitle: course.title });

    // A student's score meets a locked grade item.
    const lineItem = platform.createLineItem({ label: 'Autumn lab', scoreMaximum: 6 });
    platform.lockLineItem(lineItem, true);
    const student = await platform.launch({ user: { sub: 'grace-1906', name: 'Grace Hopper' }, targetLinkUri: `${learner.server.url}/lti/launch`, custom: { classroom: classroom.id }, context: course, lineItem });
    const { learnerId } = await (await fetch(`${learner.server.url}/api/me`, { headers: { cookie: learnerCookie(student.cookies) } })).json();
    const lesson = app.lessons.lesson('sample')!;
    await recordCheckRun(app, learnerId, lesson, lesson.steps[0], { passed: true, points: 1, maxPoints: 1, results: [] }, 'learner');

    // The student's page says the gradebook did not take it, and who can send it again.
    const studentContext = await learner.browser.newContext();
    const [name, value] = learnerCookie(student.cookies).split('=');
    await studentContext.addCookies([{ name, value, url: learner.server.url }]);
    const studentPage = await studentContext.newPage();
    await studentPage.goto(`${learner.server.url}/#/lesson/sample`);
    const notice = studentPage.getByTestId('gradebook-notice').filter({ hasText: 'Gradebook: 1 / 6 not accepted' });
    await notice.waitFor({ timeout: 15_000 });
    expect(await notice.getAttribute('title')).toMatch(/Your teacher sees why on the classroom dashboard and can send it again\.$/);
    await studentContext.close();

    const teacher = await learner.browser.newPage();
    try {
      await teacher.goto(platform.launchUrl({ user: { sub: 'tess', name: 'Tess Teacher', roles: [INSTRUCTOR_ROLE] }, targetLinkUri: `${learner.server.url}/lti/launch`, custom: { classroom: classroom.id }, context: course }));
      const cell = teacher.locator('tr[data-learner="Grace Hopper"] td.gradebook');
      await cell.filter({ hasText: '1 / 6 not taken: the gradebook answered 403' }).waitFor({ timeout: 20_000 });
      await teacher.getByText("The gradebook did not take one learner's score").waitFor();
      await teacher.screenshot({ path: path.join(ARTIFACTS, 'lti-send-again.png') });

      platform.lockLineItem(lineItem, false);
      await teacher.getByRole('button', { name: 'Send them again' }).click();
      await teacher.getByRole('status').filter({ hasText: 'One score is on its way again.' }).waitFor({ timeout: 10_000 });
      await cell.filter({ hasText: '1 / 6 in the gradebook' }).waitFor({ timeout: 20_000 });
      expect(platform.scores(lineItem).map((received) => received.score)).toMatchObject([{ userId: 'grace-1906', scoreGiven: 1, scoreMaximum: 6 }]);
      expect(await teacher.getByRole('button', { name: 'Send them again' }).count()).toBe(0);
    } finally {
      await teacher.close();
    }
  });
});
