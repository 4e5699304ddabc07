// Faults, caused for real: a server killed and started again, a sandbox whose engine
// dies, a connection dropped mid-command, and Drydock's own engine restarting under
// running sessions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostEngine, startTestServer, type TestServer } from '../support/testServer.js';
import { DrydockClient } from '../support/drydockClient.js';
import { startServerProcess } from '../support/serverProcess.js';
import { loadConfig } from '../../sandbox-server/src/config.js';
import { ensureEngine } from '../../sandbox-server/src/setup/engineDaemon.js';

const servers: TestServer[] = [];
const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Gone, or a zombie whose parent has not reaped it yet: either way it no longer runs. */
function processEnded(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

describe('the server killed and started again', () => {
  it('reattaches running sessions with their tokens and shells, and removes the rest', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-restart-'));
    tempDirs.push(dir);
    const instance = `test-${process.pid}-restart`;
    const env = { PORT: '0', HOST: '127.0.0.1', DRYDOCK_INSTANCE: instance, DRYDOCK_WARM_POOL: '1', DRYDOCK_DATABASE_FILE: path.join(dir, 'drydock.sqlite') };
    const { docker } = await hostEngine();
    const labelled = async () => (await docker.listContainers({ all: true, filters: { label: [`drydock.instance=${instance}`] } })).map((c) => ({ id: c.Id, session: c.Labels['drydock.session'] }));

    const first = await startServerProcess(env);
    const client = new DrydockClient(first.url);
    await waitUntil(async () => (await labelled()).length === 1, 30_000, 'the warm sandbox is made');
    const kept = await client.createSession(); // takes the warm sandbox
    const lost = await client.createSession(); // made for it, labelled with its id
    await client.waitReady(kept.id, kept.token);
    await client.waitReady(lost.id, lost.token);
    const terminal = await client.openTerminal(kept.id, kept.token);
    await terminal.waitFor('drydock');
    await terminal.run('export MARK=kept-$((40+2))');
    await terminal.close();
    await waitUntil(async () => (await labelled()).length === 3, 30_000, 'the warm pool refilled'); // kept, lost, one warm
    const before = await labelled();

    await first.stop('SIGKILL');
    // While it is down, one session's sandbox disappears.
    const lostBox = before.find((box) => box.session === lost.id)!;
    await docker.getContainer(lostBox.id).remove({ force: true, v: true });

    const second = await startServerProcess({ ...env, DRYDOCK_WARM_POOL: '0' });
    try {
      const again = new DrydockClient(second.url);
      expect(second.output()).toMatch(/reattached 1 session/);
      expect(second.output()).toContain(`session ${lost.id} lost: its sandbox is gone`);
      const session = await again.session(kept.id, kept.token);
      expect(session).toMatchObject({ status: 200, body: { state: 'ready' } });
      expect((await again.session(kept.id, 'not-the-token')).status).toBe(404);
      expect((await again.session(lost.id, lost.token)).status).toBe(404);
      const shell = await again.openTerminal(kept.id, kept.token);
      expect(await shell.run('echo "mark=$MARK"')).toContain('mark=kept-42');
      await shell.close();
      // The warm sandbox of the killed server belonged to no session: it is gone.
      const after = await labelled();
      expect(after).toHaveLength(1);
      expect(before.map((box) => box.id)).toContain(after[0].id);
      expect(after[0].id).not.toBe(lostBox.id);
    } finally {
      await second.stop('SIGINT');
    }
    expect(await labelled()).toEqual([]);
  });
});

describe('a sandbox whose engine dies', () => {
  it('is started again with its images, volumes and files; the learner is told and reconnects', async () => {
    const server = await startTestServer();
    servers.push(server);
    const { session, terminal } = await server.client.readyShell();
    await terminal.run('docker volume create keepme >/dev/null && echo saved > /workspace/kept.txt && docker pull -q busybox >/dev/null');
    const closed = new Promise<number>((resolve) => terminal.socket.once('close', (code) => resolve(code)));
    // PID 1 in the sandbox is its dockerd: stop it the way a learner could.
    terminal.type('kill -TERM 1\r');
    expect(await closed).toBe(1012);
    expect(terminal.controls).toContainEqual(expect.objectContaining({ type: 'error', message: expect.stringMatching(/stopped/) }));
    await server.client.waitReady(session.id, session.token, 90_000);

    const shell = await server.client.openTerminal(session.id, session.token);
    const output = await shell.run('cat /workspace/kept.txt; docker volume ls -q; docker run --rm busybox echo alive-$((6*7))', 90_000);
    expect(output).toContain('saved');
    expect(output).toContain('keepme');
    expect(output).toContain('alive-42');
    await shell.close();
  });
});

describe('a dropped connection', () => {
  it('leaves the command running; the reconnect shows what it printed meanwhile', async () => {
    const server = await startTestServer();
    servers.push(server);
    const { session, terminal } = await server.client.readyShell();
    terminal.type('for i in 1 2 3 4 5 6; do echo tick-$i; sleep 0.5; done; echo "loop finished $((6*7))"\r');
    await terminal.waitFor('tick-1');
    terminal.socket.terminate(); // no close handshake: the network just went away
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const again = await server.client.openTerminal(session.id, session.token);
    await again.waitFor('loop finished 42');
    expect(again.output).toContain('tick-6');
    await again.close();
  });
});

describe("Drydock's engine restarting", () => {
  it('reconnects, starts the stopped sandboxes again with their data, and keeps the firewall', async () => {
    const config = loadConfig();
    const engine = await hostEngine();
    // Only Drydock's own engine can be restarted by a test; another one is the operator's.
    const pidFile = path.join(config.runDir, 'dockerd.pid');
    if (!engine.ownEngine || !fs.existsSync(pidFile)) return;
    const server = await startTestServer();
    servers.push(server);
    const { session, terminal } = await server.client.readyShell();
    await terminal.run('echo before-restart > /workspace/engine.txt');
    await terminal.close();

    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGTERM');
    await waitUntil(async () => processEnded(pid), 60_000, 'the engine stopped');
    await ensureEngine(config);

    // Until the server hears from the engine again, the session still reads as ready.
    const live = server.app.sessions.get(session.id)!;
    await waitUntil(
      async () => {
        if (live.state === 'failed') throw new Error(`the session failed: ${live.error}`);
        return live.state === 'ready' && (await server.app.backend.inspect(live.sandbox!)).running;
      },
      100_000,
      'the sandbox runs again',
    );
    await server.client.waitReady(session.id, session.token, 120_000);
    const shell = await server.client.openTerminal(session.id, session.token);
    expect(await shell.run('cat /workspace/engine.txt')).toContain('before-restart');
    await shell.close();
    const health = await (await fetch(`${server.url}/api/health`)).json();
    expect(health.ok).toBe(true);
    expect(health.sessions).toMatchObject({ live: 1, lost: 0 }); // restarted, not lost

    // The sandbox network's isolation survived the engine's restart.
    const box = server.app.sessions.get(session.id)!.sandbox!;
    const probe = await server.app.backend.exec(box, ['sh', '-c', `nc -z -w 2 ${config.sandboxGateway} ${new URL(server.url).port} && echo REACHED_SERVER; echo probe-done`]);
    expect(probe.output).toContain('probe-done');
    expect(probe.output).not.toContain('REACHED_SERVER');
  });
});
