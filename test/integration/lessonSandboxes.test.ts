// A sandbox per lesson: each lesson a learner opens gets its own, a lesson keeps its
// sandbox while it lives, a reset gives it a fresh one and keeps the progress, and one
// learner holds at most a few at once.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/testServer.js';
import { TerminalClient } from '../support/drydockClient.js';

const LESSONS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../lessons');

let server: TestServer;
beforeAll(async () => {
  // Two sandboxes per learner here, so the cap is reached quickly.
  server = await startTestServer({ lessonsDir: LESSONS, maxPerLearner: 2, warmPoolSize: 1 });
});
afterAll(async () => {
  await server?.close();
});

interface Created {
  id: string;
  token: string;
  lesson?: string;
}

async function newLearner() {
  const me = await fetch(`${server.url}/api/me`);
  const cookie = me.headers.get('set-cookie')!.split(';')[0];
  const call = (method: string, route: string, body?: unknown) =>
    fetch(server.url + route, { method, headers: { cookie, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const open = async (lesson: string): Promise<Created> => {
    const response = await call('POST', '/api/sessions', { lesson });
    expect(response.status, await response.clone().text()).toBe(201);
    const created = (await response.json()) as Created;
    await server.client.waitReady(created.id, created.token);
    return created;
  };
  return { call, open };
}

async function sh(session: Created, script: string): Promise<string> {
  const sandbox = server.app.sessions.get(session.id)!.sandbox!;
  return (await server.app.backend.exec(sandbox, ['sh', '-c', script], 60_000)).output;
}

describe('a sandbox per lesson', () => {
  it("opens a second lesson on a fresh sandbox while the first lesson's keeps its containers", async () => {
    const learner = await newLearner();
    const images = await learner.open('images');
    await sh(images, 'docker run -d --name kept busybox sleep 600');
    const volumes = await learner.open('volumes');
    expect(volumes.id).not.toBe(images.id);
    expect(await sh(volumes, 'docker ps -a --format "{{.Names}}"')).not.toContain('kept');
    // The first lesson's sandbox lives on, container and all.
    expect((await server.client.session(images.id, images.token)).body.state).toBe('ready');
    expect(await sh(images, 'docker ps --format "{{.Names}}"')).toContain('kept');
    const listed = await (await learner.call('GET', '/api/me/sandboxes')).json();
    expect(listed.sandboxes.map((box: { lesson: string }) => box.lesson).sort()).toEqual(['images', 'volumes']);
    expect(listed.sandboxes.find((box: { lesson: string }) => box.lesson === 'images').lessonTitle).toBeTruthy();
  });

  it("refuses a step of another lesson: that lesson's state lives in its own sandbox", async () => {
    const learner = await newLearner();
    const images = await learner.open('images');
    const response = await server.client.request('POST', `/api/sessions/${images.id}/checks`, images.token, { lesson: 'welcome', step: 'hello' });
    expect(response.status).toBe(409);
    expect((await response.json()).error).toMatch(/for the lesson "images"/);
  });

  it('holds at most the per-learner cap, says which sandboxes hold it, and frees a place when one is closed', async () => {
    const learner = await newLearner();
    const first = await learner.open('welcome');
    await learner.open('images');
    const refused = await learner.call('POST', '/api/sessions', { lesson: 'volumes' });
    expect(refused.status).toBe(409);
    const body = await refused.json();
    expect(body.error).toMatch(/2 lesson sandboxes running.*close one/);
    expect(body.sandboxes.map((box: { lesson: string }) => box.lesson).sort()).toEqual(['images', 'welcome']);
    expect(body.sandboxes[0].token).toBeUndefined();
    // Opening a lesson it already holds replaces that lesson's sandbox instead.
    const again = await learner.open('welcome');
    expect((await server.client.session(first.id, first.token)).body.state).toBe('expired');
    // Another learner cannot close it; its owner can.
    const stranger = await newLearner();
    expect((await stranger.call('DELETE', `/api/me/sandboxes/${again.id}`)).status).toBe(404);
    expect((await learner.call('DELETE', `/api/me/sandboxes/${again.id}`)).status).toBe(204);
    await learner.open('volumes');
  });

  it("asks a learner to give up one of their own sandboxes when the server is full, and refuses one who has none", async () => {
    const full = await startTestServer({ lessonsDir: LESSONS, maxPerLearner: 3, maxSessions: 2 });
    try {
      const me = await fetch(`${full.url}/api/me`);
      const cookie = me.headers.get('set-cookie')!.split(';')[0];
      const open = (lesson: string, as = cookie) => fetch(`${full.url}/api/sessions`, { method: 'POST', headers: { cookie: as, 'content-type': 'application/json' }, body: JSON.stringify({ lesson }) });
      expect((await open('welcome')).status).toBe(201);
      expect((await open('images')).status).toBe(201);
      const refused = await open('volumes');
      expect(refused.status).toBe(409);
      const body = await refused.json();
      expect(body.error).toMatch(/server is full.*2 other lesson sandboxes.*close one/);
      expect(body.sandboxes).toHaveLength(2);
      const stranger = await fetch(`${full.url}/api/me`);
      const theirs = await open('volumes', stranger.headers.get('set-cookie')!.split(';')[0]);
      expect(theirs.status).toBe(503);
    } finally {
      await full.close();
    }
  });

  it('resets a lesson onto a fresh sandbox and keeps the progress already earned', async () => {
    const learner = await newLearner();
    const welcome = await learner.open('welcome');
    const terminal = await server.client.openTerminal(welcome.id, welcome.token);
    await terminal.waitFor('drydock');
    const step = { lesson: 'welcome', step: 'hello' };
    expect((await server.client.request('POST', `/api/sessions/${welcome.id}/steps`, welcome.token, step)).status).toBe(200);
    await terminal.run('docker run --name hello busybox true && docker version >/dev/null && docker compose version');
    await terminal.close();
    const checked = await (await server.client.request('POST', `/api/sessions/${welcome.id}/checks`, welcome.token, step)).json();
    expect(checked.passed, JSON.stringify(checked.results)).toBe(true);

    const reset = await server.client.request('POST', `/api/sessions/${welcome.id}/reset`, welcome.token);
    expect(reset.status).toBe(201);
    const fresh = (await reset.json()) as Created;
    expect(fresh.id).not.toBe(welcome.id);
    expect(fresh.lesson).toBe('welcome');
    expect((await server.client.session(welcome.id, welcome.token)).body.state).toBe('expired');
    await server.client.waitReady(fresh.id, fresh.token);
    expect(await sh(fresh, 'docker ps -a --format "{{.Names}}"')).not.toContain('hello');
    const progress = await (await learner.call('GET', '/api/progress')).json();
    expect(progress.lessons.welcome.passed).toContain('hello');
  });
});

describe('a classroom with a sandbox per lesson', () => {
  it("follows the lesson the learner works in now: the grid names it and shadowing shows its terminal", async () => {
    const created = await server.client.requestJson('POST', '/api/classrooms', undefined, { name: 'Two lessons', lessons: ['welcome', 'images'] });
    const room = created.json as { id: string; code: string; instructorToken: string };
    const joined = (await server.client.requestJson('POST', `/api/classrooms/${room.code}/join`, undefined, { name: 'Zoe' })).json as { learnerId: string; token: string };
    const open = async (lesson: string) => {
      const made = (await server.client.requestJson('POST', '/api/sessions', joined.token, { lesson })).json as Created;
      await server.client.waitReady(made.id, made.token);
      return made;
    };
    const welcome = await open('welcome');
    const images = await open('images');
    const row = async () => ((await server.client.requestJson('GET', `/api/classrooms/${room.id}`, room.instructorToken)).json.grid.learners as { name: string; sandboxLesson: string }[]).find((learner) => learner.name === 'Zoe')!;
    const watch = () => TerminalClient.open(`${server.url.replace(/^http/, 'ws')}/api/classrooms/${room.id}/learners/${joined.learnerId}/terminal?token=${room.instructorToken}&cols=100&rows=30`);

    /** The learner works in a lesson: the grid names it, and shadowing shows that terminal. */
    const worksIn = async (session: Created, lesson: string, step: string | number) => {
      await server.client.request('POST', `/api/sessions/${session.id}/steps`, session.token, { lesson, step });
      expect((await row()).sandboxLesson).toBe(lesson);
      const terminal = await server.client.openTerminal(session.id, session.token);
      const watcher = await watch();
      await terminal.run(`echo in-${lesson}-$((6*7))`);
      await watcher.waitFor(`in-${lesson}-42`);
      await watcher.close();
      await terminal.close();
    };

    expect((await row()).sandboxLesson).toBe('images'); // the newest
    await worksIn(welcome, 'welcome', 'hello'); // back to the first lesson
    await worksIn(images, 'images', 0);
  });
});
