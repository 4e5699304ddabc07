// Classrooms end to end on a real server, real sandboxes and the real SQLite file:
// creating and joining, the instructor's token, the live grid, grading rules (forged
// results and late runs refused), help for one learner, and a restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/testServer.js';
import { TerminalClient } from '../support/drydockClient.js';
import { EventStreamClient } from '../support/eventStreamClient.js';

const databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-classroom-'));
const databaseFile = path.join(databaseDir, 'drydock.sqlite');
let server: TestServer;
const streams: EventStreamClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ databaseFile });
});
afterAll(async () => {
  for (const stream of streams) stream.close();
  await server?.close();
  fs.rmSync(databaseDir, { recursive: true, force: true });
});

async function call(method: string, route: string, token?: string, body?: unknown) {
  const { json, ...answer } = await server.client.requestJson(method, route, token, body);
  return { ...answer, body: json };
}

async function createClassroom(body: Record<string, unknown>) {
  const created = await call('POST', '/api/classrooms', undefined, body);
  expect(created.status, created.text).toBe(201);
  return created.body as { id: string; code: string; instructorToken: string; instructorUrl: string; joinUrl: string };
}

async function join(code: string, name: string) {
  return call('POST', `/api/classrooms/${code}/join`, undefined, { name });
}

describe('creating a classroom', () => {
  it('refuses bad settings with the field and the reason', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ lessons: ['sample'] }, /"name"/],
      [{ name: 'Room', lessons: [] }, /"lessons"/],
      [{ name: 'Room', lessons: ['no-such-lesson'] }, /no lesson "no-such-lesson"/],
      [{ name: 'Room', lessons: ['sample'], exercises: [{ lesson: 'sample', step: 'nope', points: 1 }] }, /has no step "nope" \(its steps: version, serve-a-page;/],
      [{ name: 'Room', lessons: ['sample'], exercises: [{ lesson: 'sample', step: 2, points: 1 }] }, /has no step 2/],
      [{ name: 'Room', lessons: ['sample'], exercises: [{ lesson: 'sample', step: 'version', points: -1 }] }, /"points"/],
      [{ name: 'Room', lessons: ['sample'], opensAt: '2026-01-02T00:00:00Z', closesAt: '2026-01-01T00:00:00Z' }, /after "opensAt"/],
      [{ name: 'Room', lessons: ['sample'], maxLearners: 0 }, /"maxLearners"/],
      [{ name: 'Room', lessons: ['sample'], grade: true }, /unknown field "grade"/],
    ];
    for (const [body, reason] of cases) {
      const answer = await call('POST', '/api/classrooms', undefined, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toMatch(reason);
    }
  });

  it('takes a graded step by its 0-based index and keeps its id', async () => {
    const room = await createClassroom({ name: 'Index room', lessons: ['sample'], exercises: [{ lesson: 'sample', step: 1, points: 7 }] });
    const own = await call('GET', `/api/classrooms/${room.id}`, room.instructorToken);
    expect(own.body.classroom.exercises).toEqual([{ lesson: 'sample', step: 'serve-a-page', points: 7 }]);
  });

  it('gives a short code and an instructor token that alone opens the classroom', async () => {
    const room = await createClassroom({ name: 'Token room', lessons: ['sample'] });
    const other = await createClassroom({ name: 'Other room', lessons: ['sample'] });
    expect(room.code).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
    expect(room.instructorUrl).toBe(`/#/teach/${room.id}/${room.instructorToken}`);
    expect((await call('GET', `/api/classrooms/${room.id}`)).status).toBe(401);
    expect((await call('GET', `/api/classrooms/${room.id}`, other.instructorToken)).status).toBe(404);
    expect((await call('GET', `/api/classrooms/${room.id}/grades.csv`, 'x'.repeat(32))).status).toBe(404);
    const own = await call('GET', `/api/classrooms/${room.id}`, room.instructorToken);
    expect(own.status).toBe(200);
    // Every step is graded at its checks' points unless the instructor says otherwise.
    expect(own.body.classroom.exercises).toEqual([
      { lesson: 'sample', step: 'version', points: 1 },
      { lesson: 'sample', step: 'serve-a-page', points: 5 },
    ]);
    expect(own.body.classroom).not.toHaveProperty('instructorToken');
  });
});

describe('joining', () => {
  it('takes a name once per classroom, seats up to the limit, and never after closing', async () => {
    const room = await createClassroom({ name: 'Small room', lessons: ['sample'], maxLearners: 2 });
    const info = await call('GET', `/api/classrooms/${room.code.toLowerCase()}/join`);
    expect(info.body).toMatchObject({ name: 'Small room', code: room.code, state: 'open', seatsLeft: 2 });
    expect((await call('GET', '/api/classrooms/ZZZZZZ/join')).status).toBe(404);

    const ana = await join(room.code, 'Ana');
    expect(ana.status).toBe(201);
    expect(ana.body.token).toMatch(new RegExp(`^${ana.body.learnerId}\\.`));
    expect(ana.headers.get('set-cookie')).toMatch(/^drydock_learner=/);
    const again = await join(room.code, '  ana ');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/already taken/);
    expect((await join(room.code, '')).status).toBe(400);
    expect((await join(room.code, 'x'.repeat(41))).status).toBe(400);
    expect((await join(room.code, 'Ben')).status).toBe(201);
    const full = await join(room.code, 'Cleo');
    expect(full.status).toBe(403);
    expect(full.body.error).toMatch(/full: 2 of 2/);

    // Who the learner is, by the token as well as by the cookie.
    const me = await call('GET', '/api/me', ana.body.token);
    expect(me.body).toMatchObject({ learnerId: ana.body.learnerId, classroom: { code: room.code, displayName: 'Ana' } });

    const closed = await createClassroom({ name: 'Closed room', lessons: ['sample'], opensAt: '2026-01-01T09:00:00Z', closesAt: '2026-01-01T12:00:00Z' });
    const late = await join(closed.code, 'Dan');
    expect(late.status).toBe(403);
    expect(late.body.error).toMatch(/closed at 2026-01-01T12:00:00/);
  });

  it('hides solutions in graded mode and Run buttons when the instructor says so', async () => {
    const graded = await createClassroom({ name: 'Exam', lessons: ['sample'], graded: true, allowRun: false });
    const learner = await join(graded.code, 'Eve');
    const asLearner = await call('GET', '/api/lessons/sample', learner.body.token);
    const anonymous = await call('GET', '/api/lessons/sample');
    expect(anonymous.body.runButtons).toBe(true);
    expect(anonymous.body.steps[0].hasSolution).toBe(true);
    expect(anonymous.body.steps[0].html).toContain('data-solution');
    expect(asLearner.body.runButtons).toBe(false);
    expect(asLearner.body.steps.map((step: any) => step.hasSolution)).toEqual([false, false]);
    expect(asLearner.body.steps.map((step: any) => step.html).join('')).not.toContain('data-solution');
    // Nor does Solve answer there.
    const session = await call('POST', '/api/sessions', learner.body.token);
    const solve = await call('POST', `/api/sessions/${session.body.id}/solve`, session.body.token, { lesson: 'sample', step: 'version' });
    expect(solve.status).toBe(403);
    expect(solve.body.error).toMatch(/graded mode/);
  });
});

describe('Solve in a practice classroom', () => {
  it('writes the solution files, answers the commands, and the grid shows the step solved with help', async () => {
    const room = await createClassroom({ name: 'Practice', lessons: ['sample'] });
    const grid = await EventStreamClient.open(`${server.url}/api/classrooms/${room.id}/events?token=${room.instructorToken}`);
    streams.push(grid);
    const joined = await join(room.code, 'Sol');
    const session = (await call('POST', '/api/sessions', joined.body.token)).body;
    await server.client.waitReady(session.id, session.token);
    const solveStep = (step: string) => call('POST', `/api/sessions/${session.id}/solve`, session.token, { lesson: 'sample', step });
    const solved = await solveStep('serve-a-page');
    expect(solved.status).toBe(200);
    expect(solved.body).toMatchObject({ written: ['Dockerfile'] });
    expect(solved.body.commands).toContain('docker build -t site:v1 .');
    const sandbox = server.app.sessions.get(session.id)!.sandbox!;
    expect((await server.app.backend.exec(sandbox, ['cat', '/workspace/Dockerfile'])).output).toContain('FROM nginx');
    // The page types the commands into the terminal; then Check judges as always.
    expect((await solveStep('version')).body.commands).toBe('docker version');
    const terminal = await server.client.openTerminal(session.id, session.token);
    await terminal.run('docker version >/dev/null');
    await terminal.close();
    expect((await call('POST', `/api/sessions/${session.id}/checks`, session.token, { lesson: 'sample', step: 'version' })).body.passed).toBe(true);
    await grid.waitFor((event) => event.data.learners?.find((row: any) => row.name === 'Sol')?.cells['sample/version']?.status === 'helped');
    const progress = await call('GET', '/api/progress', joined.body.token);
    expect(progress.body.lessons.sample).toMatchObject({ passed: ['version'], helped: ['serve-a-page', 'version'] });
  });
});

describe('a workshop with two learners', () => {
  let room: Awaited<ReturnType<typeof createClassroom>>;
  const learners: Record<string, { learnerId: string; token: string; session: { id: string; token: string }; terminal?: TerminalClient }> = {};
  let grid: EventStreamClient;

  beforeAll(async () => {
    room = await createClassroom({ name: 'Workshop', lessons: ['sample'], exercises: [{ lesson: 'sample', step: 'version', points: 10 }] });
    grid = await EventStreamClient.open(`${server.url}/api/classrooms/${room.id}/events?token=${room.instructorToken}`);
    streams.push(grid);
    for (const name of ['Ana', 'Ben']) {
      const joined = await join(room.code, name);
      const session = await call('POST', '/api/sessions', joined.body.token);
      expect(session.status).toBe(201);
      learners[name] = { learnerId: joined.body.learnerId, token: joined.body.token, session: session.body };
    }
    await Promise.all(Object.values(learners).map((learner) => server.client.waitReady(learner.session.id, learner.session.token)));
  });
  afterAll(async () => {
    for (const learner of Object.values(learners)) await learner.terminal?.close();
  });

  const cell = (event: { data: any }, name: string) => event.data.learners.find((row: any) => row.name === name)?.cells['sample/version'];
  const checks = (name: string, body: Record<string, unknown>) => call('POST', `/api/sessions/${learners[name].session.id}/checks`, learners[name].session.token, body);

  it('shows both learners live, then a passed step within moments', async () => {
    await grid.waitFor((event) => event.event === 'grid' && event.data.learners.length === 2 && event.data.learners.every((row: any) => row.sandbox === 'ready'));
    const failed = await checks('Ana', { lesson: 'sample', step: 'version' });
    expect(failed.body).toMatchObject({ passed: false, recorded: { counted: true, classroom: room.id } });
    await grid.waitFor((event) => cell(event, 'Ana')?.status === 'failed');

    learners.Ana.terminal = await server.client.openTerminal(learners.Ana.session.id, learners.Ana.session.token);
    await learners.Ana.terminal.run('docker version >/dev/null');
    const passedAt = Date.now();
    expect((await checks('Ana', { lesson: 'sample', step: 'version' })).body.passed).toBe(true);
    const shown = await grid.waitFor((event) => cell(event, 'Ana')?.status === 'passed');
    expect(Date.now() - passedAt).toBeLessThan(10_000);
    expect(cell(shown, 'Ben')).toMatchObject({ status: 'untried', points: 0 });
    expect(shown.data.learners.find((row: any) => row.name === 'Ana')).toMatchObject({ total: 10, maxTotal: 10 });
    // Pushed as Ana's row alone, not the whole grid again.
    expect(shown.rowsSent).toBe(1);
  });

  it('lets nothing a client sends raise a grade', async () => {
    const forged = await checks('Ben', { lesson: 'sample', step: 'version', passed: true, points: 100, results: [{ id: 'ran-version', passed: true }] });
    expect(forged.body.passed).toBe(false);
    expect((await call('POST', `/api/classrooms/${room.id}/grades.json`, room.instructorToken, { learners: [] })).status).toBe(405);
    expect((await call('GET', `/api/classrooms/${room.id}/grades.json`, learners.Ben.token)).status).toBe(404);
    expect((await call('POST', `/api/classrooms/${room.id}/learners/${learners.Ben.learnerId}/checks`, learners.Ben.token, { lesson: 'sample', step: 'version' })).status).toBe(404);
    const grades = await call('GET', `/api/classrooms/${room.id}/grades.json`, room.instructorToken);
    const ben = grades.body.learners.find((row: any) => row.name === 'Ben');
    expect(ben).toMatchObject({ total: 0, exercises: [{ step: 'version', points: 0, achievedAt: null }] });
    const ana = grades.body.learners.find((row: any) => row.name === 'Ana');
    expect(ana.exercises[0]).toMatchObject({ points: 10, maxPoints: 10, evidence: [{ id: 'ran-version', passed: true }] });
    expect(Date.parse(ana.exercises[0].achievedAt)).toBeGreaterThan(Date.parse(ana.joinedAt));
  });

  it('lets the instructor re-run a learner\'s checks and watch their terminal without typing into it', async () => {
    const rerun = await call('POST', `/api/classrooms/${room.id}/learners/${learners.Ana.learnerId}/checks`, room.instructorToken, { lesson: 'sample', step: 'version' });
    expect(rerun.body).toMatchObject({ passed: true, recorded: { counted: true } });

    const watchUrl = `${server.url.replace(/^http/, 'ws')}/api/classrooms/${room.id}/learners/${learners.Ana.learnerId}/terminal?token=${room.instructorToken}&cols=100&rows=30`;
    await expect(TerminalClient.open(watchUrl.replace(room.instructorToken, learners.Ana.token))).rejects.toThrow(/404/);
    const watcher = await TerminalClient.open(watchUrl);
    await learners.Ana.terminal!.run('echo watched-$((6*7))');
    await watcher.waitFor('watched-42');
    watcher.type('touch /tmp/typed-by-instructor\r');
    watcher.socket.send(JSON.stringify({ type: 'input', data: 'touch /tmp/typed-by-instructor\r' }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const probe = await learners.Ana.terminal!.run('ls /tmp/typed-by-instructor 2>&1 | tail -1');
    expect(probe).toMatch(/No such file/);
    await watcher.close();
  });

  it('broadcasts to the room and resets one learner\'s sandbox', async () => {
    const benEvents = await EventStreamClient.open(`${server.url}/api/me/events`, { authorization: `Bearer ${learners.Ben.token}` });
    streams.push(benEvents);
    await benEvents.waitFor((event) => event.event === 'hello');
    const sent = await call('POST', `/api/classrooms/${room.id}/broadcast`, room.instructorToken, { message: 'Five minutes left' });
    expect(sent.status).toBe(201);
    expect((await benEvents.waitFor((event) => event.event === 'broadcast')).data.message).toBe('Five minutes left');
    expect((await call('POST', `/api/classrooms/${room.id}/broadcast`, room.instructorToken, { message: '' })).status).toBe(400);

    const reset = await call('POST', `/api/classrooms/${room.id}/learners/${learners.Ben.learnerId}/reset`, room.instructorToken);
    expect(reset.status).toBe(200);
    await benEvents.waitFor((event) => event.event === 'reset');
    expect((await server.client.session(learners.Ben.session.id, learners.Ben.session.token)).status).toBe(404);
    await grid.waitFor((event) => event.data.learners.find((row: any) => row.name === 'Ben')?.sandbox === 'none');
  });

  it('refuses to grade after closing time, and the grades survive a restart', async () => {
    const anaEvents = await EventStreamClient.open(`${server.url}/api/me/events`, { authorization: `Bearer ${learners.Ana.token}` });
    streams.push(anaEvents);
    await anaEvents.waitFor((event) => event.event === 'hello');
    const close = await call('PATCH', `/api/classrooms/${room.id}`, room.instructorToken, { closesAt: new Date().toISOString() });
    expect(close.body.classroom.state).toBe('closed');
    expect((await anaEvents.waitFor((event) => event.event === 'classroom')).data).toMatchObject({ state: 'closed', displayName: 'Ana' });
    const session = await call('POST', '/api/sessions', learners.Ben.token);
    await server.client.waitReady(session.body.id, session.body.token);
    const terminal = await server.client.openTerminal(session.body.id, session.body.token);
    await terminal.run('docker version >/dev/null');
    await terminal.close();
    const late = await call('POST', `/api/sessions/${session.body.id}/checks`, session.body.token, { lesson: 'sample', step: 'version' });
    expect(late.body.passed).toBe(true);
    expect(late.body.recorded).toMatchObject({ counted: false, reason: expect.stringMatching(/closed at/) });

    const before = await call('GET', `/api/classrooms/${room.id}/grades.csv`, room.instructorToken);
    expect(before.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = before.text.trim().split('\r\n');
    expect(rows[0]).toBe('learner,joined_at,sample/version (10),total (10)');
    expect(rows.slice(1).map((row) => [row.split(',')[0], row.split(',').at(-1)])).toEqual([
      ['Ana', '10'],
      ['Ben', '0'],
    ]);

    await server.close();
    server = await startTestServer({ databaseFile });
    const after = await call('GET', `/api/classrooms/${room.id}/grades.csv`, room.instructorToken);
    expect(after.text).toBe(before.text);
    expect((await call('GET', '/api/me', learners.Ana.token)).body.classroom.displayName).toBe('Ana');
  });
});
