// A learner's session end to end against the real engine: terminal, nested Docker,
// the registry mirror, port preview, re-attach and removal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/testServer.js';
import type { CreatedSession } from '../support/drydockClient.js';

let server: TestServer;
let session: CreatedSession;

beforeAll(async () => {
  server = await startTestServer({ warmPoolSize: 1 });
  session = await server.client.createSession();
});

afterAll(async () => {
  await server?.close();
});

describe('a session', () => {
  it('is created with an id, a token and an expiry, and becomes ready', async () => {
    expect(session.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(session.token.length).toBeGreaterThanOrEqual(32);
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now());
    await server.client.waitReady(session.id, session.token);
    const { status, body } = await server.client.session(session.id, session.token);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: session.id, state: 'ready', ports: [] });
  });

  it('runs a nested container through the terminal and prints its output', async () => {
    const terminal = await server.client.openTerminal(session.id, session.token);
    await terminal.waitFor('drydock');
    const word = `word-${Date.now().toString(36)}`;
    const output = await terminal.run(`docker run --rm busybox echo ${word}-$((6*7))`);
    expect(output).toContain(`${word}-42`);
    await terminal.close();
  });

  it('pulls nginx from the mirror, publishes it, lists the port and serves it through the proxy', async () => {
    const terminal = await server.client.openTerminal(session.id, session.token);
    await terminal.waitFor('drydock');
    const output = await terminal.run('docker pull nginx && docker run -d --name web -p 8080:80 nginx', 120_000);
    expect(output).toContain('Status: Downloaded newer image for nginx:latest');
    await terminal.close();

    const ports = await (await server.client.request('GET', `/api/sessions/${session.id}/ports`, session.token)).json();
    expect(ports.ports).toEqual([expect.objectContaining({ port: 8080, containerPort: 80, container: 'web', image: 'nginx' })]);

    let page = '';
    for (let attempt = 0; attempt < 50 && !page.includes('Welcome to nginx!'); attempt++) {
      const response = await fetch(`${server.url}/api/sessions/${session.id}/ports/8080/?token=${session.token}`);
      page = await response.text();
      if (!page.includes('Welcome')) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(page).toContain('Welcome to nginx!');
  });

  it('keeps the same shell across a reconnect, with its variables and scrollback', async () => {
    const first = await server.client.openTerminal(session.id, session.token, 'keep');
    await first.waitFor('drydock');
    const value = `v${Math.random().toString(36).slice(2)}`;
    await first.run(`export DRYDOCK_TEST_VAR=${value}; echo before-reconnect`);
    first.socket.terminate(); // a dropped connection, not a clean close

    const second = await server.client.openTerminal(session.id, session.token, 'keep');
    await second.waitFor('before-reconnect'); // the scrollback is replayed
    const output = await second.run('echo "value=$DRYDOCK_TEST_VAR"');
    expect(output).toContain(`value=${value}`);
    await second.close();
  });

  it('gives each named terminal its own shell', async () => {
    const a = await server.client.openTerminal(session.id, session.token, 'one');
    const b = await server.client.openTerminal(session.id, session.token, 'two');
    await Promise.all([a.waitFor('drydock'), b.waitFor('drydock')]);
    await a.run('export WHO=one');
    const output = await b.run('echo "who=${WHO:-nobody}"');
    expect(output).toContain('who=nobody');
    await Promise.all([a.close(), b.close()]);
  });

  it('answers resize and rejects malformed control messages without closing', async () => {
    const terminal = await server.client.openTerminal(session.id, session.token);
    await terminal.waitFor('drydock');
    terminal.socket.send(JSON.stringify({ type: 'resize', cols: 101, rows: 33 }));
    terminal.socket.send('not json');
    terminal.socket.send(JSON.stringify({ type: 'resize', cols: -4, rows: 1e9 }));
    // The resize reaches the TTY asynchronously; ask until it shows (or give up).
    let output = '';
    for (let attempt = 0; attempt < 20 && !/33 101/.test(output); attempt++) output = await terminal.run('stty size');
    expect(output).toMatch(/33 101/);
    expect(terminal.controls.filter((message) => message.type === 'error')).toHaveLength(2);
    await terminal.close();
  });

  it('is deleted with its sandbox', async () => {
    const sandboxId = server.app.sessions.get(session.id)!.sandbox!.id;
    expect(await server.client.deleteSession(session.id, session.token)).toBe(204);
    const engine = server.app.engine;
    await expect(engine.getContainer(sandboxId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await server.client.session(session.id, session.token)).status).toBe(404);
  });
});
