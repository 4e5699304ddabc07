// Network and host isolation, attacked from inside real sandboxes (and from containers
// nested in them): other sandboxes, the host's ports, Drydock's engine, host devices,
// and the egress setting both ways. Every probe targets this machine's own addresses.
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostEngine, startTestServer, type TestServer } from '../support/testServer.js';
import type { CreatedSession } from '../support/drydockClient.js';
import { startOutsideNetwork, type OutsideNetwork } from '../support/outsideNetwork.js';
import { applyFirewall } from '../../sandbox-server/src/setup/hostNetwork.js';

let server: TestServer;
let attacker: CreatedSession;
let victim: CreatedSession;
const VICTIM_PORT = 8080;

beforeAll(async () => {
  server = await startTestServer();
  [attacker, victim] = await Promise.all([server.client.createSession(), server.client.createSession()]);
  await Promise.all([server.client.waitReady(attacker.id, attacker.token), server.client.waitReady(victim.id, victim.token)]);
  // The victim serves something, so "unreachable" is not just "nothing listens".
  await sh(victim, `docker run -d --name web -p ${VICTIM_PORT}:8080 busybox httpd -f -p 8080 -h /etc && sleep 1`);
}, 300_000);

afterAll(async () => {
  await server?.close();
});

function sandboxOf(session: CreatedSession) {
  return server.app.sessions.get(session.id)!.sandbox!;
}

async function sh(session: CreatedSession, script: string, timeoutMs = 120_000) {
  return server.app.backend.exec(sandboxOf(session), ['bash', '-c', script], timeoutMs);
}

/** `host:port` pairs that answer a TCP connect from inside the attacker's sandbox. */
async function openPorts(host: string, ports: number[]): Promise<number[]> {
  const list = ports.join(' ');
  const result = await sh(attacker, `for p in ${list}; do echo $p; done | xargs -P 128 -I{} sh -c 'nc -z -w 1 ${host} {} 2>/dev/null && echo OPEN {}'; echo scan-done`);
  expect(result.output).toContain('scan-done');
  return [...result.output.matchAll(/^OPEN (\d+)$/gm)].map((match) => Number(match[1])).sort((a, b) => a - b);
}

const WELL_KNOWN = [...Array.from({ length: 1024 }, (_, i) => i + 1), 2375, 2376, 2377, 4243, 5000, 5432, 6379, 8080, 8443, 9000, 9090, 9323];

describe('from one sandbox', () => {
  it('reaches no port of another sandbox, directly or from a nested container', async () => {
    const target = sandboxOf(victim).address;
    // The server itself reaches the victim's service (the preview proxy's path).
    const preview = await fetch(`${server.url}/api/sessions/${victim.id}/ports/${VICTIM_PORT}/passwd?token=${victim.token}`);
    expect(preview.status).toBe(200);
    expect(await openPorts(target, [...WELL_KNOWN, 2375, 10_000, 30_000])).toEqual([]);
    const nested = await sh(attacker, `docker run --rm busybox sh -c 'wget -q -T 3 -O- http://${target}:${VICTIM_PORT}/passwd && echo NESTED_REACHED; echo nested-done'`);
    expect(nested.output).toContain('nested-done');
    expect(nested.output).not.toContain('NESTED_REACHED');
  });

  it('reaches nothing on the host but the registry mirror: not the server, not the engine', async () => {
    const serverPort = Number(new URL(server.url).port);
    const gateway = server.config.sandboxGateway;
    expect(await openPorts(gateway, [...WELL_KNOWN, serverPort])).toEqual([server.config.mirrorPort]);
    // The host's other addresses are the host too.
    const hostAddresses = Object.values(os.networkInterfaces())
      .flat()
      .filter((entry) => entry && entry.family === 'IPv4' && !entry.internal && entry.address !== gateway)
      .map((entry) => entry!.address);
    for (const address of hostAddresses) {
      expect(await openPorts(address, [22, 80, 443, 2375, 2376, 5000, 8080, serverPort]), address).toEqual([]);
    }
  });

  it("cannot see Drydock's engine, host paths or host devices", async () => {
    const { docker } = await hostEngine();
    const hostEngineId = (await docker.info()).ID;
    const inside = await sh(
      attacker,
      [
        'echo "inner=$(docker info --format {{.ID}})"',
        // Every socket in the sandbox is its own engine's or tmux's.
        "find / -xdev \\( -path /proc -o -path /sys \\) -prune -o -type s -print 2>/dev/null | grep -v -E '^/run/(docker|containerd)|^/tmp/tmux-|^/var/run/(docker|containerd)' | sed 's/^/SOCKET /'",
        "find /dev -type b | sed 's/^/BLOCKDEV /'",
        "awk '{ print \"MOUNT \" $5 }' /proc/self/mountinfo",
        'echo probe-done',
      ].join('; '),
    );
    expect(inside.output).toContain('probe-done');
    const innerId = /inner=(\S+)/.exec(inside.output)?.[1];
    expect(innerId).toBeTruthy();
    expect(innerId).not.toBe(hostEngineId);
    expect(inside.output).not.toMatch(/^SOCKET /m);
    expect(inside.output).not.toMatch(/^BLOCKDEV /m);
    const mounts = [...inside.output.matchAll(/^MOUNT (\S+)$/gm)].map((match) => match[1]);
    const allowed = /^(\/|\/proc(\/.*)?|\/sys(\/.*)?|\/dev(\/.*)?|\/run(\/.*)?|\/var\/lib\/docker(\/.*)?|\/etc\/(resolv\.conf|hostname|hosts)|\/tmp(\/.*)?)$/;
    expect(mounts.filter((mount) => !allowed.test(mount))).toEqual([]);
  });
});

describe('the egress setting', () => {
  let outside: OutsideNetwork | undefined;
  afterAll(async () => {
    await applyFirewall(server.config); // back to the configured policy (off)
    await outside?.close();
  });

  it('off: a sandbox reaches nothing outside; on: it does, and still not another sandbox', async () => {
    expect(server.config.egress).toBe('off');
    outside = await startOutsideNetwork();
    const url = `http://${outside.address}:${outside.port}/`;
    expect(await (await fetch(url, { headers: { connection: 'close' } })).text()).toBe('outside-says-hello'); // the host reaches it

    const tryOutside = async () => (await sh(attacker, `wget -q -T 3 -O- ${url} 2>&1; echo; echo tried`)).output;
    expect(await tryOutside()).not.toContain('outside-says-hello');

    await applyFirewall({ ...server.config, egress: 'on' });
    expect(await tryOutside()).toContain('outside-says-hello');
    const target = sandboxOf(victim).address;
    expect(await openPorts(target, [VICTIM_PORT, 22, 80])).toEqual([]);
    expect(await openPorts(server.config.sandboxGateway, [Number(new URL(server.url).port), 2375])).toEqual([]);

    await applyFirewall(server.config);
    expect(await tryOutside()).not.toContain('outside-says-hello');
  });
});
