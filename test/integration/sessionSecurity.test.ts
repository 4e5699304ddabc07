// One learner can never reach another's session, and a sandbox holds the first
// escape routes a root learner would try.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/testServer.js';
import type { CreatedSession } from '../support/drydockClient.js';

let server: TestServer;
let alice: CreatedSession;
let bob: CreatedSession;

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob] = await Promise.all([server.client.createSession(), server.client.createSession()]);
  await Promise.all([server.client.waitReady(alice.id, alice.token), server.client.waitReady(bob.id, bob.token)]);
});

afterAll(async () => {
  await server?.close();
});

function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('error', reject);
  });
}

describe('session tokens', () => {
  const routes = (id: string) => [
    ['GET', `/api/sessions/${id}`],
    ['GET', `/api/sessions/${id}/ports`],
    ['GET', `/api/sessions/${id}/ports/8080/`],
    ['POST', `/api/sessions/${id}/ports/8080/form`],
    ['DELETE', `/api/sessions/${id}`],
  ];

  it("refuses another session's token and a missing token on every HTTP route", async () => {
    for (const [method, path] of routes(alice.id)) {
      const forged = await server.client.request(method, path, bob.token);
      expect(forged.status, `${method} ${path} with another token`).toBe(404);
      expect((await forged.json()).error).toMatch(/no session/);
      const anonymous = await server.client.request(method, path);
      expect(anonymous.status, `${method} ${path} without a token`).toBe(401);
      const viaQuery = await server.client.request(method, `${path}?token=${encodeURIComponent(bob.token)}`);
      expect(viaQuery.status, `${method} ${path} with ?token= of another`).toBe(404);
    }
  });

  it("refuses another session's token on the terminal and preview WebSockets", async () => {
    const base = server.url.replace(/^http/, 'ws');
    expect(await upgradeStatus(`${base}/api/sessions/${alice.id}/terminal?token=${bob.token}`)).toBe(404);
    expect(await upgradeStatus(`${base}/api/sessions/${alice.id}/terminal`)).toBe(401);
    expect(await upgradeStatus(`${base}/api/sessions/${alice.id}/ports/8080/?token=${bob.token}`)).toBe(404);
    expect(await upgradeStatus(server.client.terminalUrl(alice.id, alice.token))).toBe(101);
  });

  it('still serves the rightful owner after the refusals', async () => {
    expect((await server.client.session(alice.id, alice.token)).body.state).toBe('ready');
  });
});

describe('the sandbox boundary', () => {
  it('hides the host engine socket and refuses kernel settings and raw disks', async () => {
    const sandbox = server.app.sessions.get(alice.id)!.sandbox!;
    const probe = await server.app.backend.exec(sandbox, [
      'sh',
      '-c',
      [
        // The host engine's socket is nowhere in the sandbox.
        'test -S /var/run/docker.sock && [ "$(readlink -f /var/run/docker.sock)" != /run/docker.sock ] && echo HOST_SOCKET',
        // /proc/sys is read-only: opening core_pattern for writing must fail (nothing is written).
        '( exec 3>>/proc/sys/kernel/core_pattern ) 2>/dev/null && echo CORE_PATTERN_WRITABLE',
        // A block device for the host disk cannot be opened even if mknod succeeds.
        'mknod /tmp/hostdisk b 254 0 2>/dev/null; ( exec 3</tmp/hostdisk ) 2>/dev/null && echo RAW_DISK_READABLE',
        // The user namespace: uid 0 here is not uid 0 on the host.
        'awk \'$1 == 0 && $2 != 0 { print "REMAPPED" }\' /proc/self/uid_map',
        'echo probe-done',
      ].join('; '),
    ]);
    expect(probe.output).toContain('probe-done');
    expect(probe.output).toContain('REMAPPED');
    expect(probe.output).not.toContain('HOST_SOCKET');
    expect(probe.output).not.toContain('CORE_PATTERN_WRITABLE');
    expect(probe.output).not.toContain('RAW_DISK_READABLE');
  });

  it('cannot reach another sandbox or the server through the gateway', async () => {
    const aliceBox = server.app.sessions.get(alice.id)!.sandbox!;
    const bobBox = server.app.sessions.get(bob.id)!.sandbox!;
    const serverPort = new URL(server.url).port;
    const gateway = server.config.sandboxGateway;
    const probe = await server.app.backend.exec(aliceBox, [
      'sh',
      '-c',
      `nc -z -w 2 ${bobBox.address} 22 && echo REACHED_OTHER; ` +
        `ping -c 1 -W 2 ${bobBox.address} >/dev/null 2>&1 && echo PINGED_OTHER; ` +
        `nc -z -w 2 ${gateway} ${serverPort} && echo REACHED_SERVER; ` +
        `nc -z -w 2 ${gateway} ${server.config.mirrorPort} && echo REACHED_MIRROR; echo probe-done`,
    ]);
    expect(probe.output).toContain('probe-done');
    expect(probe.output).toContain('REACHED_MIRROR');
    expect(probe.output).not.toContain('REACHED_OTHER');
    expect(probe.output).not.toContain('PINGED_OTHER');
    expect(probe.output).not.toContain('REACHED_SERVER');
  });
});
