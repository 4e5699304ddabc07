// An imported KillerCoda scenario in a real sandbox: its assets land with their modes,
// its background script runs and its foreground comes back for the page to type when a
// step opens, and its verify scripts judge: failing with the reason they give, passing
// after the solution (the exit-code protocol and the older "done" one).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_LESSONS, startTestServer, type TestServer } from '../support/testServer.js';
import type { CreatedSession } from '../support/drydockClient.js';

const SCENARIOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/scenarios');
const LESSON = 'kc-web-and-volume';

let server: TestServer;
let session: CreatedSession;

beforeAll(async () => {
  server = await startTestServer({ lessonsDir: SAMPLE_LESSONS, scenarioDirs: [SCENARIOS] });
  session = await server.client.createSession();
  await server.client.waitReady(session.id, session.token);
});
afterAll(async () => {
  await server?.close();
});

const sh = async (script: string) => (await server.app.backend.exec(server.app.sessions.get(session.id)!.sandbox!, ['bash', '-c', script], 120_000)).output;
const call = async (route: string, step: string) => (await server.client.requestJson('POST', `/api/sessions/${session.id}/${route}`, session.token, { lesson: LESSON, step })).json;

describe('an imported scenario in a sandbox', () => {
  it('places the assets with their modes, starts the background script and hands back the foreground, once', async () => {
    const opened = await call('steps', 'step1');
    expect(opened.written).toEqual(['/root/site/index.html', '/opt/tools/add-note.sh']);
    expect(opened.foreground).toMatch(/^cd \/root\n.*scenario-ready/);
    expect(await sh('stat -c %A /opt/tools/add-note.sh; for i in $(seq 100); do [ -f /tmp/.scenario-ready ] && echo set-up-ran && break; sleep 0.2; done')).toMatch(/-rwxr-xr-x[\s\S]*set-up-ran/);
    expect((await call('steps', 'step1')).foreground).toBeUndefined(); // typed once, not at every reopening
  });

  it("fails a step with the verify script's own reason, and passes it after the solution", async () => {
    const before = await call('checks', 'step1');
    expect(before.passed).toBe(false);
    expect(before.results[0].message).toBe('step1/verify.sh does not pass yet: no running container named web');
    await sh(`cd /root && ${server.app.lessons.lesson(LESSON)!.steps[0].solution!.commands}`);
    let after = await call('checks', 'step1');
    for (let i = 0; i < 20 && !after.passed; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500)); // nginx starts
      after = await call('checks', 'step1');
    }
    expect(after.results[0]).toMatchObject({ passed: true, message: 'step1/verify.sh passes' });
  });

  it('judges a script of the older protocol (it echoes "done") by its exit code', async () => {
    await call('steps', 'step2');
    expect((await call('checks', 'step2')).passed).toBe(false);
    await sh(server.app.lessons.lesson(LESSON)!.steps[1].solution!.commands);
    expect((await call('checks', 'step2')).passed).toBe(true);
  });
});
