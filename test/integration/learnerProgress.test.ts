// Progress belongs to the learner (a cookie identity), is recorded by the server only
// from checks it ran, and survives a server restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/testServer.js';

const servers: TestServer[] = [];
const databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-progress-'));
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  fs.rmSync(databaseDir, { recursive: true, force: true });
});

describe('learner progress', () => {
  it('records a passed step for the learner and keeps it across a restart', async () => {
    const databaseFile = path.join(databaseDir, 'drydock.sqlite');
    const first = await startTestServer({ databaseFile });
    servers.push(first);
    const me = await fetch(`${first.url}/api/me`);
    const cookie = me.headers.get('set-cookie')!.split(';')[0];
    expect(cookie).toMatch(/^drydock_learner=/);
    const { learnerId } = await me.json();
    const asLearner = (path: string, init: RequestInit = {}) =>
      fetch(first.url + path, { ...init, headers: { cookie, 'content-type': 'application/json', ...(init.headers ?? {}) } });

    const session = await (await asLearner('/api/sessions', { method: 'POST' })).json();
    await first.client.waitReady(session.id, session.token);
    const checks = () => first.client.request('POST', `/api/sessions/${session.id}/checks`, session.token, { lesson: 'sample', step: 'version' });
    expect((await (await checks()).json()).passed).toBe(false);
    expect((await (await asLearner('/api/progress')).json()).lessons).toEqual({});

    const terminal = await first.client.openTerminal(session.id, session.token);
    await terminal.waitFor('drydock');
    await terminal.run('docker version >/dev/null');
    await terminal.close();
    expect((await (await checks()).json()).passed).toBe(true);
    expect((await asLearner('/api/progress/sample', { method: 'PUT', body: JSON.stringify({ current: 1 }) })).status).toBe(200);
    expect((await asLearner('/api/progress/sample', { method: 'PUT', body: JSON.stringify({ current: 7 }) })).status).toBe(400);

    // Another browser (no cookie) sees nothing of it.
    expect((await (await fetch(`${first.url}/api/progress`)).json()).lessons).toEqual({});

    await first.close();
    servers.pop();
    const second = await startTestServer({ databaseFile });
    servers.push(second);
    const progress = await (await fetch(`${second.url}/api/progress`, { headers: { cookie } })).json();
    expect(progress.lessons.sample).toMatchObject({ passed: ['version'], current: 1 });
    const again = await (await fetch(`${second.url}/api/me`, { headers: { cookie } })).json();
    expect(again.learnerId).toBe(learnerId);
  });

  it('refuses a forged learner cookie by giving a new identity', async () => {
    const server = await startTestServer();
    servers.push(server);
    const me = await (await fetch(`${server.url}/api/me`)).json();
    const forged = await fetch(`${server.url}/api/me`, { headers: { cookie: `drydock_learner=${me.learnerId}.not-the-secret` } });
    expect((await forged.json()).learnerId).not.toBe(me.learnerId);
  });
});
