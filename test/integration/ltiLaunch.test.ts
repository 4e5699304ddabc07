// Drydock as an LTI 1.3 tool against a test platform built from the specification
// (test/support/ltiPlatform.ts), over real HTTP: the login and launch, each kind of bad
// token refused with nothing recorded, deep linking a course's classroom, teachers
// landing on its dashboard, grades reaching the gradebook through an outage and a
// restart of Drydock, each change exactly once, and a refused score sent again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/testServer.js';
import { INSTRUCTOR_ROLE, learnerCookie, TestPlatform, unescapeHtml, type LaunchOptions, type Spoil } from '../support/ltiPlatform.js';
import { recordCheckRun } from '../../sandbox-server/src/classrooms/checkRecorder.js';
import type { StepResult } from '../../sandbox-server/src/checks/checkEngine.js';

const databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-lti-'));
const databaseFile = path.join(databaseDir, 'drydock.sqlite');
let server: TestServer;
let platform: TestPlatform;

async function startDrydock(port = 0): Promise<TestServer> {
  return startTestServer({ databaseFile, port, ltiRetryBaseMs: 300, ltiRetryMaxMs: 1000 });
}

beforeAll(async () => {
  server = await startDrydock();
  platform = await TestPlatform.start({ clientId: 'drydock-client', deploymentId: 'deployment-1', toolUrl: server.url });
  await server.app.lti.platforms.register(platform.registration('Test LMS'));
});
afterAll(async () => {
  await platform?.close();
  await server?.close();
  fs.rmSync(databaseDir, { recursive: true, force: true });
});

/** What a browser says it accepts: refusals come as a page. */
const BROWSER = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

/** Rows in a table, read from the database file itself. */
function countRows(table: string): number {
  const db = new Database(databaseFile, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS count FROM ${table}`).get() as { count: number }).count;
  } finally {
    db.close();
  }
}

/** Where the hand-over page sends the browser. */
function handOverTarget(html: string): string {
  const target = /location\.replace\(("[^"]*")\)/.exec(html)?.[1];
  if (!target) throw new Error(`not a hand-over page: ${html.slice(0, 300)}`);
  return JSON.parse(target);
}

/** The reason a refusal page gives, as the person reads it. */
function refusal(html: string): string {
  const text = /<p[^>]*id="lti-error"[^>]*>([^<]*)<\/p>/.exec(html)?.[1];
  if (text === undefined) throw new Error(`not a refusal page: ${html.slice(0, 300)}`);
  return unescapeHtml(text);
}

async function me(cookie: string) {
  return (await fetch(`${server.url}/api/me`, { headers: { cookie } })).json();
}

function lessonLaunch(sub: string, extra: Partial<LaunchOptions> = {}): LaunchOptions {
  return { user: { sub, name: `Student ${sub}`, email: `${sub}@school.example` }, targetLinkUri: `${server.url}/lti/launch`, custom: { lesson: 'sample' }, ...extra };
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const passed = (points: number): StepResult => ({ passed: true, points, maxPoints: points, results: [{ id: 'done', title: 'done', passed: true, message: 'ok', points, maxPoints: points, hints: [] }] });

describe('the tool endpoints', () => {
  it('publishes its public key, and keeps a rotated one for a day', async () => {
    const before = await (await fetch(`${server.url}/lti/jwks`)).json();
    expect(before.keys).toHaveLength(1);
    expect(before.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(before.keys[0]).not.toHaveProperty('d');
    await server.app.lti.keys.rotate();
    const after = await (await fetch(`${server.url}/lti/jwks`)).json();
    expect(after.keys.map((key: { kid: string }) => key.kid)).toContain(before.keys[0].kid);
    expect(after.keys).toHaveLength(2);
    const config = await (await fetch(`${server.url}/lti/config.json`)).json();
    expect(config).toMatchObject({ oidc_initiation_url: `${server.url}/lti/login`, target_link_uri: `${server.url}/lti/launch`, public_jwk_url: `${server.url}/lti/jwks` });
  });

  it('refuses a login from a platform nobody registered, and a launch that is not a form post', async () => {
    const login = await fetch(`${server.url}/lti/login?iss=${encodeURIComponent('https://unknown.example')}&login_hint=x&target_link_uri=x`, { redirect: 'manual', headers: BROWSER });
    expect(login.status).toBe(403);
    expect(refusal(await login.text())).toMatch(/No platform with issuer https:\/\/unknown\.example is registered/);
    const get = await fetch(`${server.url}/lti/launch`, { headers: BROWSER });
    expect(get.status).toBe(405);
    expect(refusal(await get.text())).toMatch(/form post from your course/);
    // A program (no text/html in Accept) gets the API's JSON reason instead of a page.
    const program = await fetch(`${server.url}/lti/launch`, { method: 'POST', body: new URLSearchParams({ state: 'x' }) });
    expect(program.status).toBe(400);
    expect(await program.json()).toEqual({ error: expect.stringMatching(/no id_token or no state/) });
  });
});

describe('a launch', () => {
  it('signs the platform user in with their name, no join code, into the lesson the link names', async () => {
    const { response, cookies } = await platform.launch(lessonLaunch('ada', { user: { sub: 'ada', name: 'Ada Lovelace', email: 'ada@school.example' } }));
    expect(response.status).toBe(200);
    expect(handOverTarget(await response.text())).toBe('/#/lesson/sample');
    const learner = await me(learnerCookie(cookies));
    expect(learner).toMatchObject({ name: 'Ada Lovelace', platform: 'Test LMS' });
    expect(learner.classroom).toBeUndefined();
    // Next time, from another browser: the same learner.
    const again = await platform.launch(lessonLaunch('ada', { user: { sub: 'ada', name: 'Ada King' } }));
    expect(await me(learnerCookie(again.cookies))).toMatchObject({ learnerId: learner.learnerId, name: 'Ada King' });
    // And the first browser is still signed in.
    expect((await me(learnerCookie(cookies))).learnerId).toBe(learner.learnerId);
  });

  it('opens the lesson a target link URI names when there are no custom parameters', async () => {
    const { response } = await platform.launch(lessonLaunch('grace', { custom: undefined, targetLinkUri: `${server.url}/lti/launch?lesson=sample` }));
    expect(handOverTarget(await response.text())).toBe('/#/lesson/sample');
  });

  it('refuses forged, expired, wrongly addressed or wrongly made tokens, and records nothing', async () => {
    const expected: Record<Spoil, [number, RegExp]> = {
      'wrong-key': [401, /not signed by Test LMS/],
      expired: [401, /expired/],
      'wrong-audience': [401, /addressed to "someone-else", not to Drydock's client id drydock-client/],
      'wrong-issuer': [401, /issued by .*elsewhere/],
      'wrong-nonce': [401, /does not answer this login \(its nonce differs\)/],
      'wrong-deployment': [403, /deployment .* is not registered for Test LMS/],
      'wrong-version': [400, /LTI version "1\.1\.0"/],
      'wrong-message-type': [400, /does not handle the LTI message type "LtiSubmissionReviewRequest"/],
    };
    const learners = countRows('learners');
    const accounts = countRows('lti_accounts');
    for (const [spoil, [status, message]] of Object.entries(expected)) {
      const { response, cookies } = await platform.launch(lessonLaunch(`mallory-${spoil}`, { spoil: spoil as Spoil }));
      const page = await response.text();
      expect(response.status, `${spoil}: ${page}`).toBe(status);
      expect(refusal(page), spoil).toMatch(message);
      expect(cookies, spoil).not.toMatch(/drydock_learner=/);
    }
    expect(countRows('learners')).toBe(learners);
    expect(countRows('lti_accounts')).toBe(accounts);
  });

  it('refuses a replayed launch and an id_token replayed into a new login', async () => {
    const first = await platform.launch(lessonLaunch('eve'));
    expect(first.response.status).toBe(200);
    const replay = await fetch(`${server.url}/lti/launch`, { method: 'POST', body: new URLSearchParams(first.form), redirect: 'manual', headers: BROWSER });
    expect(replay.status).toBe(401);
    expect(refusal(await replay.text())).toMatch(/already used/);
    // A fresh login's state with the old id_token: the nonce belongs to the old login.
    const login = await fetch(`${server.url}/lti/login?${new URLSearchParams({ iss: platform.issuer, login_hint: 'eve', target_link_uri: `${server.url}/lti/launch`, client_id: platform.clientId })}`, { redirect: 'manual' });
    const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
    const learners = countRows('learners');
    const reused = await fetch(`${server.url}/lti/launch`, { method: 'POST', body: new URLSearchParams({ id_token: first.form.id_token, state }), redirect: 'manual', headers: BROWSER });
    expect(reused.status).toBe(401);
    expect(refusal(await reused.text())).toMatch(/nonce differs/);
    expect(countRows('learners')).toBe(learners);
  });

  it('names what is missing when the link names no lesson of the catalog', async () => {
    const { response } = await platform.launch(lessonLaunch('lin', { custom: { lesson: 'no-such-lesson' } }));
    expect(response.status).toBe(404);
    expect(refusal(await response.text())).toMatch(/names the lesson "no-such-lesson", which is not in this Drydock's catalog/);
  });
});

describe('deep linking and classrooms', () => {
  const course = { id: 'course-42', title: 'Containers, spring term' };
  const teacher = { sub: 'teacher-1', name: 'Tess Teacher', roles: [INSTRUCTOR_ROLE] };
  let classroomId: string;

  it('lets a teacher create a classroom for their course and returns it to the LMS as a signed link with a line item', async () => {
    const { response } = await platform.launch({ user: teacher, messageType: 'LtiDeepLinkingRequest', targetLinkUri: `${server.url}/lti/launch`, context: course });
    const target = handOverTarget(await response.text());
    expect(target).toMatch(/^\/#\/lti\/pick\//);
    const pick = target.slice('/#/lti/pick/'.length);
    const choices = await (await fetch(`${server.url}/api/lti/picks/${pick}`)).json();
    expect(choices).toMatchObject({ platform: 'Test LMS', course: course.title, classrooms: [] });
    expect(choices.lessons.map((lesson: { id: string }) => lesson.id)).toContain('sample');
    const chosen = await fetch(`${server.url}/api/lti/picks/${pick}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ newClassroom: { name: 'Spring lab', lessons: ['sample'] } }),
    });
    expect(chosen.status).toBe(200);
    const { action, jwt } = await chosen.json();
    expect(action).toBe(`${platform.issuer}/deep-link-return`);
    const returned = await fetch(action, { method: 'POST', body: new URLSearchParams({ JWT: jwt }) });
    expect(returned.status, await returned.clone().text()).toBe(200);
    const [item] = platform.deepLinkReturns.at(-1)!.contentItems as { type: string; title: string; custom: { classroom: string }; lineItem: { scoreMaximum: number } }[];
    expect(item).toMatchObject({ type: 'ltiResourceLink', title: 'Spring lab', url: `${server.url}/lti/launch`, lineItem: { scoreMaximum: 6 } });
    classroomId = item.custom.classroom;
    // The course now lists it; a stranger's pick token is refused.
    expect((await (await fetch(`${server.url}/api/lti/picks/${pick}`)).json()).classrooms).toMatchObject([{ id: classroomId, name: 'Spring lab' }]);
    expect((await fetch(`${server.url}/api/lti/picks/not.a.token`)).status).toBe(401);
  });

  it('refuses a deep-linking request from a student', async () => {
    const { response } = await platform.launch({ user: { sub: 'student-x' }, messageType: 'LtiDeepLinkingRequest', targetLinkUri: `${server.url}/lti/launch`, context: course });
    expect(response.status).toBe(403);
  });

  it('seats students in the classroom under their platform names, and the teacher lands on its dashboard with the gradebook column', async () => {
    const lineItem = platform.createLineItem({ label: 'Spring lab', scoreMaximum: 6 });
    const students = await Promise.all(
      ['Sam Student', 'Sam Student'].map((name, index) => platform.launch({ user: { sub: `student-${index}`, name }, targetLinkUri: `${server.url}/lti/launch`, custom: { classroom: classroomId }, context: course, lineItem })),
    );
    const names = [];
    for (const student of students) {
      expect(handOverTarget(await student.response.text())).toBe('/#/');
      const learner = await me(learnerCookie(student.cookies));
      expect(learner.classroom).toMatchObject({ name: 'Spring lab' });
      names.push(learner.classroom.displayName);
    }
    expect(new Set(names).size).toBe(2);

    const teacherLaunch = await platform.launch({ user: teacher, targetLinkUri: `${server.url}/lti/launch`, custom: { classroom: classroomId }, context: course });
    const dashboard = handOverTarget(await teacherLaunch.response.text());
    const [, id, token] = /^\/#\/teach\/([^/]+)\/(.+)$/.exec(dashboard)!;
    expect(id).toBe(classroomId);
    const room = await server.client.requestJson('GET', `/api/classrooms/${id}`, decodeURIComponent(token));
    expect(room.status).toBe(200);
    expect(room.json.grid.course).toEqual({ title: course.title });
    expect(room.json.grid.learners).toHaveLength(2);
    expect(room.json.grid.learners[0].gradebook).toBeNull();

    // A pass in the classroom: the classroom's total goes to the line item, and the grid says so.
    const first = (await me(learnerCookie(students[0].cookies))).learnerId;
    const lesson = server.app.lessons.lesson('sample')!;
    await recordCheckRun(server.app, first, lesson, lesson.steps[1], passed(5), 'learner');
    await until('the classroom score', () => platform.scores(lineItem).length === 1);
    expect(platform.scores(lineItem)[0].score).toMatchObject({ userId: 'student-0', scoreGiven: 5, scoreMaximum: 6, activityProgress: 'InProgress', gradingProgress: 'FullyGraded' });
    await until('the grid to show it', async () => (await server.client.requestJson('GET', `/api/classrooms/${id}`, decodeURIComponent(token))).json.grid.learners.find((row: { learnerId: string }) => row.learnerId === first)?.gradebook?.state === 'sent');
  });

  it('shows a score the gradebook refused for good, and the instructor sends it again once the LMS takes it', async () => {
    const lineItem = platform.createLineItem({ label: 'Spring lab', scoreMaximum: 6 });
    platform.lockLineItem(lineItem, true);
    const student = await platform.launch({ user: { sub: 'student-late', name: 'Lee Late' }, targetLinkUri: `${server.url}/lti/launch`, custom: { classroom: classroomId }, context: course, lineItem });
    const learnerId = (await me(learnerCookie(student.cookies))).learnerId;
    const lesson = server.app.lessons.lesson('sample')!;
    await recordCheckRun(server.app, learnerId, lesson, lesson.steps[0], passed(1), 'learner');
    await until('the refusal', async () => (await server.app.lti.outbox.forLearner(learnerId)).some((score) => score.state === 'failed'));

    const teacherLaunch = await platform.launch({ user: teacher, targetLinkUri: `${server.url}/lti/launch`, custom: { classroom: classroomId }, context: course });
    const token = decodeURIComponent(/\/#\/teach\/[^/]+\/(.+)$/.exec(handOverTarget(await teacherLaunch.response.text()))![1]);
    const row = async () => (await server.client.requestJson('GET', `/api/classrooms/${classroomId}`, token)).json.grid.learners.find((learner: { learnerId: string }) => learner.learnerId === learnerId);
    expect((await row()).gradebook).toMatchObject({ state: 'failed', scoreGiven: 1, error: expect.stringContaining('403') });

    const sendAgain = (bearer?: string) => server.client.requestJson('POST', `/api/classrooms/${classroomId}/gradebook/send-again`, bearer);
    expect((await sendAgain()).status).toBe(401);
    expect((await sendAgain('not-the-token')).status).toBe(404);
    platform.lockLineItem(lineItem, false);
    expect((await sendAgain(token)).json).toEqual({ requeued: 1 });
    await until('the score to arrive', () => platform.scores(lineItem).length === 1);
    expect(platform.scores(lineItem)[0].score).toMatchObject({ userId: 'student-late', scoreGiven: 1, scoreMaximum: 6 });
    await until('the grid to show it', async () => (await row()).gradebook?.state === 'sent');
    // Nothing is left to send again: a second click queues nothing.
    expect((await sendAgain(token)).json).toEqual({ requeued: 0 });
  });

  it("refuses a classroom of another course, and tells a teacher of a copied course what to do", async () => {
    const copied = { id: 'course-42-copy', title: 'Containers, autumn term' };
    const { response } = await platform.launch({ user: { sub: 'outsider' }, targetLinkUri: `${server.url}/lti/launch`, custom: { classroom: classroomId }, context: copied });
    expect(response.status).toBe(403);
    expect(refusal(await response.text())).toMatch(/^The classroom "Spring lab" belongs to the course "Containers, spring term".*Ask your teacher to pick a classroom for this course\.$/);
    const teacherLaunch = await platform.launch({ user: teacher, targetLinkUri: `${server.url}/lti/launch`, custom: { classroom: classroomId }, context: copied });
    expect(teacherLaunch.response.status).toBe(403);
    expect(refusal(await teacherLaunch.response.text())).toMatch(/If this course is a copy, edit this link in the course and pick or create a classroom for it/);
  });
});

describe('grade passback', () => {
  it('gets every change to the gradebook exactly once, through an outage and a restart of Drydock', async () => {
    const lineItem = platform.createLineItem({ label: 'Sample lesson', scoreMaximum: 6 });
    const { cookies } = await platform.launch(lessonLaunch('rosa', { lineItem }));
    const learnerId = (await me(learnerCookie(cookies))).learnerId;
    const lesson = server.app.lessons.lesson('sample')!;

    platform.refuseScores(true);
    const refusedBefore = platform.refusedScoreCount;
    await recordCheckRun(server.app, learnerId, lesson, lesson.steps[0], passed(1), 'learner');
    await until('the platform to refuse twice', () => platform.refusedScoreCount - refusedBefore >= 2);
    // The same result again is no change: nothing more is queued.
    await recordCheckRun(server.app, learnerId, lesson, lesson.steps[0], passed(1), 'learner');

    // Drydock goes down and comes back on the same database and address while the platform is still down.
    const port = Number(new URL(server.url).port);
    await server.close();
    server = await startDrydock(port);
    await until('a refusal after the restart', () => platform.refusedScoreCount - refusedBefore >= 3);
    expect(platform.scores(lineItem)).toHaveLength(0);

    platform.refuseScores(false);
    await until('the first score', () => platform.scores(lineItem).length === 1);
    await recordCheckRun(server.app, learnerId, lesson, lesson.steps[1], passed(5), 'learner');
    await until('the second score', () => platform.scores(lineItem).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // room for a duplicate to show
    const scores = platform.scores(lineItem).map((received) => received.score);
    expect(scores).toHaveLength(2);
    expect(scores[0]).toMatchObject({ userId: 'rosa', scoreGiven: 1, scoreMaximum: 6, activityProgress: 'InProgress', gradingProgress: 'FullyGraded' });
    expect(scores[1]).toMatchObject({ userId: 'rosa', scoreGiven: 6, scoreMaximum: 6, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
    expect(Date.parse(String(scores[1].timestamp))).toBeGreaterThan(Date.parse(String(scores[0].timestamp)));
    expect((await server.app.lti.outbox.forLearner(learnerId)).map((score) => score.state)).toEqual(['sent', 'sent']);
    // Drydock asked for its access tokens with a client assertion the platform verified.
    expect(platform.tokenRequests.some((request) => request.ok)).toBe(true);
  });

  it('does not pass back a step Drydock solved for the learner', async () => {
    const lineItem = platform.createLineItem({ label: 'Sample lesson', scoreMaximum: 6 });
    const { cookies } = await platform.launch(lessonLaunch('hugo', { lineItem }));
    const learnerId = (await me(learnerCookie(cookies))).learnerId;
    const lesson = server.app.lessons.lesson('sample')!;
    await server.app.progress.recordHelped(learnerId, 'sample', lesson.steps[1].id);
    await recordCheckRun(server.app, learnerId, lesson, lesson.steps[1], passed(5), 'learner');
    await recordCheckRun(server.app, learnerId, lesson, lesson.steps[0], passed(1), 'learner');
    await until('a score', () => platform.scores(lineItem).length >= 1);
    await server.app.lti.delivery.idle();
    expect(platform.scores(lineItem).at(-1)!.score).toMatchObject({ scoreGiven: 1, scoreMaximum: 6 });
  });
});
