// Live checks: with a practice step open, its checks are evaluated again as the sandbox
// changes (a command completed in a terminal, an event of its engine) and the results
// reach the learner's event stream without anyone pressing Check. A graded lesson is
// never judged live.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_LESSONS, startTestServer, type TestServer } from '../support/testServer.js';
import { EventStreamClient, type ServerEvent } from '../support/eventStreamClient.js';

let server: TestServer;
const lessonsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-live-'));

beforeAll(async () => {
  // The sample lesson, and the same lesson graded under another id.
  const sample = fs.readFileSync(path.join(SAMPLE_LESSONS, '01-sample.md'), 'utf8');
  fs.writeFileSync(path.join(lessonsDir, '01-sample.md'), sample);
  fs.writeFileSync(path.join(lessonsDir, '02-graded.md'), sample.replace('id: sample', 'id: graded-sample\ngraded: true').replace('order: 1', 'order: 2'));
  server = await startTestServer({ lessonsDir });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(lessonsDir, { recursive: true, force: true });
});

async function learnerWithSandbox(lesson: string) {
  const me = await fetch(`${server.url}/api/me`);
  const cookie = me.headers.get('set-cookie')!.split(';')[0];
  const events = await EventStreamClient.open(`${server.url}/api/me/events`, { cookie });
  const created = await fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ lesson }) });
  const session = (await created.json()) as { id: string; token: string };
  await server.client.waitReady(session.id, session.token);
  const openStep = async (step: string) => {
    const response = await server.client.request('POST', `/api/sessions/${session.id}/steps`, session.token, { lesson, step });
    expect(response.status).toBe(200);
  };
  const sh = async (script: string) => (await server.app.backend.exec(server.app.sessions.get(session.id)!.sandbox!, ['sh', '-c', script], 60_000)).output;
  return { cookie, events, session, openStep, sh };
}

const checksOf = (step: string, passed?: boolean) => (event: ServerEvent) => event.event === 'checks' && event.data.step === step && (passed === undefined || event.data.passed === passed);

describe('live checks', () => {
  it('tick a step green when the learner completes the command in a terminal, and record it', async () => {
    const learner = await learnerWithSandbox('sample');
    const terminal = await server.client.openTerminal(learner.session.id, learner.session.token);
    await terminal.waitFor('drydock');
    await learner.openStep('version');
    // Opening the step shows where it stands at once.
    const first = await learner.events.waitFor(checksOf('version'));
    expect(first.data).toMatchObject({ live: true, passed: false, lesson: 'sample', session: learner.session.id });
    await terminal.run('docker version >/dev/null');
    const passed = await learner.events.waitFor(checksOf('version', true));
    expect(passed.data.results[0]).toMatchObject({ id: 'ran-version', passed: true });
    await terminal.close();
    const progress = await (await fetch(`${server.url}/api/progress`, { headers: { cookie: learner.cookie } })).json();
    expect(progress.lessons.sample.passed).toContain('version');
    learner.events.close();
  });

  it("tick checks one by one on the engine's events alone, with no terminal at all", async () => {
    const learner = await learnerWithSandbox('sample');
    await learner.openStep('version');
    await learner.openStep('serve-a-page');
    await learner.events.waitFor(checksOf('serve-a-page'));
    // Not typed in a terminal: only the inner engine's events can tell the server.
    await learner.sh('cd /workspace && docker run -d --name web -p 8080:80 -v "$PWD/site:/usr/share/nginx/html" nginx');
    const partly = await learner.events.waitFor((event) => checksOf('serve-a-page')(event) && event.data.results.find((check: { id: string }) => check.id === 'web').passed);
    expect(partly.data.passed).toBe(false); // no Dockerfile nor image yet
    expect(partly.data.results.find((check: { id: string }) => check.id === 'page').passed).toBe(true);
    await learner.sh('cd /workspace && printf "FROM nginx\\nCOPY site/ /usr/share/nginx/html/\\n" > Dockerfile && docker build -q -t site:v1 .');
    await learner.events.waitFor(checksOf('serve-a-page', true), 30_000);
    expect(server.app.live.stats.evaluations).toBeGreaterThan(2);
    learner.events.close();
  });

  it('never judge a graded lesson live: there only Check decides', async () => {
    const learner = await learnerWithSandbox('graded-sample');
    const terminal = await server.client.openTerminal(learner.session.id, learner.session.token);
    await terminal.waitFor('drydock');
    await learner.openStep('version');
    await terminal.run('docker version >/dev/null');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(learner.events.events.filter((event) => event.event === 'checks')).toEqual([]);
    const checked = await (await server.client.request('POST', `/api/sessions/${learner.session.id}/checks`, learner.session.token, { lesson: 'graded-sample', step: 'version' })).json();
    expect(checked.passed).toBe(true);
    await terminal.close();
    learner.events.close();
  });
});
