// Limits over time and space: idle expiry, the global cap, and clean-up after a crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { hostEngine, startTestServer, type TestServer } from '../support/testServer.js';
import { DrydockClient } from '../support/drydockClient.js';

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

describe('a server restart', () => {
  function startServerProcess(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /ready: (http:\/\/\S+)/.exec(output);
        if (match) resolve({ child, url: match[1] });
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
    });
  }

  it('removes the sandboxes a killed server left behind', async () => {
    const env = { PORT: '0', HOST: '127.0.0.1', DRYDOCK_INSTANCE: `test-${process.pid}-restart`, DRYDOCK_WARM_POOL: '1' };
    const first = await startServerProcess(env);
    const client = new DrydockClient(first.url);
    const session = await client.createSession();
    await client.waitReady(session.id, session.token);
    const { docker } = await hostEngine();
    const labelled = async () =>
      (await docker.listContainers({ all: true, filters: { label: [`drydock.instance=${env.DRYDOCK_INSTANCE}`] } })).map((c) => c.Id);
    const before = await labelled();
    expect(before.length).toBeGreaterThanOrEqual(1); // the session's sandbox (and the warm one)

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(await labelled()).toEqual(expect.arrayContaining(before)); // a crash cleans nothing up

    const second = await startServerProcess({ ...env, DRYDOCK_WARM_POOL: '0' });
    try {
      const after = await labelled();
      expect(after.filter((id) => before.includes(id))).toEqual([]);
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((resolve) => second.child.once('exit', resolve));
    }
  });
});
