// One learner can never reach another's session, and a sandbox holds the escape routes
// a root learner would try, from the sandbox and from the most privileged nested container.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/testServer.js';
import type { CreatedSession } from '../support/drydockClient.js';
import { ESCAPE_PROBE, escapes } from '../support/escapeProbes.js';

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
  async function probe(script: string) {
    const sandbox = server.app.sessions.get(alice.id)!.sandbox!;
    return (await server.app.backend.exec(sandbox, ['bash', '-c', script], 120_000)).output;
  }
  /** The probe script, written into the sandbox for nested containers to read. */
  const PROBE_FILE = `printf %s ${Buffer.from(ESCAPE_PROBE).toString('base64')} | base64 -d > /tmp/escape-probe.sh`;

  it('holds the escape routes in the sandbox itself: host socket, kernel settings, raw disks, release_agent', async () => {
    // A mount namespace of its own, so the probe's unmounts and mounts leave the sandbox as it was.
    const output = await probe(`${PROBE_FILE} && unshare -m --propagation private sh /tmp/escape-probe.sh`);
    expect(output).toContain('probe-done');
    expect(output).toContain('remapped');
    expect(escapes(output)).toEqual([]);
  });

  it('holds them in a nested container, in a --privileged one, and in one with every namespace of the sandbox', async () => {
    const nested = [
      '--rm',
      '--rm --privileged',
      '--rm --privileged --pid host --network host --ipc host --cgroupns host --security-opt seccomp=unconfined --security-opt apparmor=unconfined',
    ];
    for (const flags of nested) {
      const output = await probe(`${PROBE_FILE} && docker run ${flags} -v /tmp/escape-probe.sh:/probe.sh:ro busybox sh /probe.sh 2>&1`);
      expect(output, flags).toContain('probe-done');
      expect(output, flags).toContain('remapped');
      expect(escapes(output), flags).toEqual([]);
    }
  });

  it("cannot point the server's link to its engine at the host's engine with a symlink", async () => {
    // /run/docker.sock is the learner's to replace; an absolute symlink met under
    // /proc/<pid>/root would resolve against the server's root, i.e. the host's engine.
    const bobBox = server.app.sessions.get(bob.id)!.sandbox!;
    const inner = server.app.backend.innerEngine(bobBox);
    const hostSocket = server.config.dockerHost?.replace(/^unix:\/\//, '') ?? server.config.engineSocket;
    const swap = await server.app.backend.exec(bobBox, ['sh', '-c', `mv /run/docker.sock /run/engine.sock && ln -s ${hostSocket} /run/docker.sock && echo swapped`]);
    expect(swap.output).toContain('swapped');
    try {
      await expect(inner.info()).rejects.toThrow(/not a socket/);
      await expect(inner.listContainers({ all: true })).rejects.toThrow(/not a socket/);
    } finally {
      await server.app.backend.exec(bobBox, ['sh', '-c', 'rm /run/docker.sock && mv /run/engine.sock /run/docker.sock']);
    }
    expect((await inner.info()).Name).toBe('sandbox');
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
