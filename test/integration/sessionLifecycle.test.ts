// Limits over time and space: idle expiry, maximum lifetime and the global cap.
import { afterAll, describe, expect, it } from 'vitest';
import { hostEngine, startTestServer, type TestServer } from '../support/testServer.js';

const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function sandboxExists(id: string): Promise<boolean> {
  const { docker } = await hostEngine();
  return docker.getContainer(id).inspect().then(() => true, () => false);
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

describe('session limits', () => {
  it('expires an idle session and removes its sandbox', async () => {
    const server = await startTestServer({ idleTimeoutMs: 2000 });
    servers.push(server);
    const session = await server.client.createSession();
    await server.client.waitReady(session.id, session.token);
    const sandboxId = server.app.sessions.get(session.id)!.sandbox!.id;
    expect(await sandboxExists(sandboxId)).toBe(true);

    expect(await waitUntil(async () => !(await sandboxExists(sandboxId)), 15_000)).toBe(true);
    const { status, body } = await server.client.session(session.id, session.token);
    expect(status).toBe(200);
    expect(body.state).toBe('expired');
  });

  it('is not kept by the page polling its state, but by Extend, never past its end', async () => {
    const server = await startTestServer({ idleTimeoutMs: 4000, maxLifetimeMs: 9000 });
    servers.push(server);
    const session = await server.client.createSession();
    await server.client.waitReady(session.id, session.token);
    const first = await server.client.session(session.id, session.token);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const polled = await server.client.session(session.id, session.token);
    expect(polled.body.expiresAt).toBe(first.body.expiresAt);
    const extend = await server.client.request('POST', `/api/sessions/${session.id}/extend`, session.token);
    expect(extend.status).toBe(200);
    const extended = await extend.json();
    expect(Date.parse(extended.expiresAt)).toBeGreaterThan(Date.parse(first.body.expiresAt) + 1000);
    expect(extended.endsAt).toBe(polled.body.endsAt);
    // Polling alone lets it expire at the idle timeout.
    const stateAfter = async (ms: number) => {
      const until = Date.now() + ms;
      let state = '';
      while (Date.now() < until && state !== 'expired') {
        state = (await server.client.session(session.id, session.token)).body.state;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      return state;
    };
    expect(await stateAfter(8000)).toBe('expired');
    expect(Date.now()).toBeLessThan(Date.parse(extended.endsAt));
  });

  it('ends a session at its maximum lifetime even when it is busy', async () => {
    const server = await startTestServer({ maxLifetimeMs: 3000 });
    servers.push(server);
    const session = await server.client.createSession();
    const created = Date.parse(session.expiresAt);
    expect(created - Date.now()).toBeLessThanOrEqual(3000);
    await server.client.waitReady(session.id, session.token);
    const terminal = await server.client.openTerminal(session.id, session.token);
    await terminal.waitFor('drydock');
    const ended = new Promise((resolve) => terminal.socket.once('close', resolve));
    terminal.type('while true; do echo busy; sleep 0.2; done\r');
    await ended;
    expect(terminal.controls).toContainEqual(expect.objectContaining({ type: 'ended', state: 'expired' }));
  });

  it('answers 503 with a reason when the server is full', async () => {
    const server = await startTestServer({ maxSessions: 1 });
    servers.push(server);
    await server.client.createSession();
    const refused = await server.client.request('POST', '/api/sessions');
    expect(refused.status).toBe(503);
    expect((await refused.json()).error).toMatch(/full/);
  });
});
