// A learner fills their sandbox's disk, for real: their inner engine's data and every
// other file they write live on a disk of its own (a loop-mounted sparse image), so the
// writes fail with ENOSPC at its size, the host loses no more than that, everything keeps
// answering, and nothing of the disk outlives the session; a new sandbox is admitted only
// while the host could hold every disk filled. Every fill is bounded (in bytes and in time) so a
// missing limit fails the test instead of filling this machine.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostEngine, startTestServer, type TestServer } from '../support/testServer.js';
import { DrydockClient, type CreatedSession, type TerminalClient } from '../support/drydockClient.js';
import { isMounted, loopDevicesOf, prepareSandboxDisks, SandboxDisks, sandboxDiskDirectory, sandboxDiskPrefix } from '../../sandbox-server/src/engine/sandboxDisk.js';
import { AUTO_DISK_MAX_MB, AUTO_DISK_MIN_MB } from '../../sandbox-server/src/engine/diskBudget.js';
import { remappedRoot } from '../../sandbox-server/src/engine/cgroupDelegation.js';
import { createBackend } from '../../sandbox-server/src/engine/createBackend.js';

const LIMIT_MB = 600;
const LIMIT_BYTES = LIMIT_MB * 1024 * 1024;
/** What other work on this machine may write meanwhile, beside what the sandbox can. */
const HOST_NOISE_BYTES = 128 * 1024 * 1024;

let server: TestServer;
let session: CreatedSession;
let terminal: TerminalClient;

beforeAll(async () => {
  server = await startTestServer({ sandboxDiskMb: LIMIT_MB });
  ({ session, terminal } = await server.client.readyShell());
}, 300_000);

afterAll(async () => {
  await terminal?.close();
  await server?.close();
});

function sandboxOf(created: CreatedSession) {
  return server.app.sessions.get(created.id)!.sandbox!;
}

async function sh(script: string, timeoutMs = 180_000) {
  return server.app.backend.exec(sandboxOf(session), ['bash', '-c', script], timeoutMs);
}

/** The disk behind a sandbox, as the host sees it. */
async function diskOf(created: CreatedSession) {
  const info = await server.app.engine.getContainer(sandboxOf(created).id).inspect();
  const mount = info.Mounts.find((entry) => entry.Destination === '/var/lib/docker')!;
  return { id: info.Config.Labels['drydock.disk'], ...diskFromBind(mount.Source), type: mount.Type };
}

/** The disk whose engine folder is bound on /var/lib/docker. */
function diskFromBind(source: string) {
  const mountPoint = path.dirname(source);
  return { mountPoint, image: `${mountPoint}.img` };
}

function hostFreeBytes(): number {
  const stats = fs.statfsSync(server.config.dataDir);
  return stats.bavail * stats.bsize;
}

function allocatedBytes(file: string): number {
  return fs.statSync(file).blocks * 512;
}

async function gone(disk: { mountPoint: string; image: string }) {
  return !isMounted(disk.mountPoint) && !fs.existsSync(disk.image) && !fs.existsSync(disk.mountPoint) && (await loopDevicesOf(disk.image)).length === 0;
}

async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Bytes written by a fill that stopped, from its "written=N" line. */
function written(output: string): number {
  return Number(/written=(\d+)/.exec(output)?.[1] ?? NaN);
}

describe("a sandbox's disk", () => {
  it('is a loop-mounted image of the configured size, its own on /var/lib/docker', async () => {
    const disk = await diskOf(session);
    expect(disk.type).toBe('bind');
    expect(disk.id).toMatch(/^[a-f0-9]{16}$/);
    expect(disk.mountPoint.startsWith(sandboxDiskDirectory(server.config.dataDir))).toBe(true);
    expect(isMounted(disk.mountPoint)).toBe(true);
    expect(await loopDevicesOf(disk.image)).toHaveLength(1);
    expect(fs.statSync(disk.image).size).toBe(LIMIT_BYTES);
    expect(allocatedBytes(disk.image)).toBeLessThan(64 * 1024 * 1024); // sparse
    const inside = await sh('df -B1 --output=size,fstype /var/lib/docker | tail -1; stat -c "owner=%u" /var/lib/docker');
    const [size] = inside.output.trim().split(/\s+/);
    expect(Number(size)).toBeGreaterThan(0.9 * LIMIT_BYTES);
    expect(Number(size)).toBeLessThanOrEqual(LIMIT_BYTES);
    expect(inside.output).toContain('owner=0'); // the sandbox's root owns it
  });

  it("refuses a nested container's writes past the limit with ENOSPC, and the host loses no more than the limit", async () => {
    const disk = await diskOf(session);
    const freeBefore = hostFreeBytes();
    // Twice the limit at most: if the limit were missing, this ends and the test fails.
    const fill = await sh(
      `timeout 120 docker run --name filler busybox sh -c 'dd if=/dev/zero of=/big bs=1M count=${2 * LIMIT_MB}; echo dd-exit=$?; echo written=$(stat -c %s /big)' 2>&1; echo run-exit=$?`,
    );
    const freeWhileFull = hostFreeBytes();
    console.log(`nested dd: ${(written(fill.output) / 1024 / 1024).toFixed(0)} MiB written of a ${LIMIT_MB} MiB disk; host free space fell by ${((freeBefore - freeWhileFull) / 1024 / 1024).toFixed(0)} MiB; image holds ${(allocatedBytes(disk.image) / 1024 / 1024).toFixed(0)} MiB`);
    expect(fill.output).toMatch(/No space left on device/);
    expect(fill.output).not.toContain('dd-exit=0');
    expect(written(fill.output)).toBeGreaterThan(0.75 * LIMIT_BYTES);
    expect(written(fill.output)).toBeLessThan(LIMIT_BYTES);
    expect(freeBefore - freeWhileFull).toBeLessThan(LIMIT_BYTES + HOST_NOISE_BYTES);
    expect(allocatedBytes(disk.image)).toBeLessThanOrEqual(LIMIT_BYTES);
    expect((await sh('docker rm -f filler >/dev/null && echo removed')).output).toContain('removed');
  });

  it('holds every other write in the sandbox (/root, /workspace, /tmp) to the same disk', async () => {
    const freeBefore = hostFreeBytes();
    const fill = await sh(
      `df -B1 --output=size / | tail -1 | sed 's/^ */root-size=/'; df -B1 --output=used /var/lib/docker | tail -1 | sed 's/^ */used-before=/'; ` +
        `timeout 120 dd if=/dev/zero of=/root/fill bs=1M count=${2 * LIMIT_MB} 2>&1; echo dd-exit=$?; echo written=$(stat -c %s /root/fill); ` +
        // Less than dd's 1 MiB block may be left: take it in small blocks, then try small files.
        'timeout 20 dd if=/dev/zero of=/tmp/fill-tail bs=4k 2>/dev/null; ' +
        'echo more > /workspace/more.txt 2>&1; echo workspace-exit=$?; echo more > /tmp/more.txt 2>&1; echo tmp-exit=$?; ' +
        `df -B1 --output=used /var/lib/docker | tail -1 | sed 's/^ */used-after=/'`,
    );
    console.log(`dd into /root: ${(written(fill.output) / 1024 / 1024).toFixed(0)} MiB written of a ${LIMIT_MB} MiB disk; host free space fell by ${((freeBefore - hostFreeBytes()) / 1024 / 1024).toFixed(0)} MiB`);
    const rootSize = Number(/root-size=(\d+)/.exec(fill.output)?.[1]);
    expect(rootSize).toBeGreaterThan(0.9 * LIMIT_BYTES); // the learner sees the limit in df /
    expect(rootSize).toBeLessThanOrEqual(LIMIT_BYTES);
    expect(fill.output).toMatch(/dd: error writing .*No space left on device/);
    expect(fill.output).not.toContain('dd-exit=0');
    expect(written(fill.output)).toBeGreaterThan(0.75 * LIMIT_BYTES);
    expect(written(fill.output)).toBeLessThan(LIMIT_BYTES);
    expect(fill.output).toMatch(/No space left on device[\s\S]*workspace-exit=1/);
    expect(fill.output).toMatch(/No space left on device[\s\S]*tmp-exit=1/);
    // On the disk that holds /var/lib/docker, not anywhere else.
    const used = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(fill.output)?.[1]);
    expect(used('used-after') - used('used-before')).toBeGreaterThan(0.75 * LIMIT_BYTES);
    expect(freeBefore - hostFreeBytes()).toBeLessThan(LIMIT_BYTES + HOST_NOISE_BYTES);
    expect((await sh('rm -f /root/fill /tmp/fill-tail && echo removed')).output).toContain('removed');
  });

  it('refuses direct writes and allocations into /var/lib/docker past the limit', async () => {
    const freeBefore = hostFreeBytes();
    const fill = await sh(
      `timeout 120 dd if=/dev/zero of=/var/lib/docker/fill bs=1M count=${2 * LIMIT_MB} 2>&1; echo dd-exit=$?; echo written=$(stat -c %s /var/lib/docker/fill); ` +
        `timeout 20 fallocate -l ${2 * LIMIT_MB}M /var/lib/docker/reserved 2>&1; echo fallocate-exit=$?`,
    );
    expect(fill.output).toMatch(/dd: error writing .*No space left on device/);
    expect(fill.output).not.toContain('dd-exit=0');
    expect(written(fill.output)).toBeGreaterThan(0.75 * LIMIT_BYTES);
    expect(written(fill.output)).toBeLessThan(LIMIT_BYTES);
    expect(fill.output).toMatch(/fallocate: .*No space left on device/);
    expect(fill.output).not.toContain('fallocate-exit=0');
    expect(freeBefore - hostFreeBytes()).toBeLessThan(LIMIT_BYTES + HOST_NOISE_BYTES);
  });

  it('keeps the shell, the inner engine and the server answering while full, and recovers once freed', async () => {
    expect((await sh('df -B1 --output=avail /var/lib/docker | tail -1')).output.trim()).toMatch(/^\d{1,8}$/); // under 100 MB left
    const echoed = await terminal.run('echo "full-$((20+22))"', 10_000);
    expect(echoed).toContain('full-42');
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect((await server.client.session(session.id, session.token)).body.state).toBe('ready');
    expect((await sh('timeout 20 docker ps --format "{{.Names}}" && echo ps-answered')).output).toContain('ps-answered');

    const disk = await diskOf(session);
    const fullAllocation = allocatedBytes(disk.image);
    const freed = await sh('rm -f /var/lib/docker/fill /var/lib/docker/reserved; sync; timeout 60 docker run --rm busybox echo "runs-again-$((6*7))"');
    expect(freed.output).toContain('runs-again-42');
    // Deleted files give their blocks back to the host (the disk is mounted with discard).
    await waitUntil(() => allocatedBytes(disk.image) < fullAllocation - LIMIT_BYTES / 2, 30_000, 'the image shrinks after the files are deleted');
  });

  it('is unmounted, detached and deleted with its session', async () => {
    const other = await server.client.createSession();
    await server.client.waitReady(other.id, other.token);
    const disk = await diskOf(other);
    expect(await gone(disk)).toBe(false);
    expect(await server.client.deleteSession(other.id, other.token)).toBe(204);
    await waitUntil(() => gone(disk), 10_000, 'the disk is gone');
  });
});

describe('disks left behind', () => {
  it('are removed when the next server of the instance starts: with a leftover sandbox, after a sandbox removed behind its back, and never given one', async () => {
    const instance = `${server.config.instance}-next`;
    const config = { ...server.config, instance, sandboxDiskMb: 256 };
    // A server that dies without removing anything: its backend makes two sandboxes.
    const crashed = await createBackend(config, await hostEngine());
    const [kept, removedByHand] = await Promise.all([crashed.create({}), crashed.create({})]);
    const disks = await Promise.all([kept, removedByHand].map(async (sandbox) => {
      const info = await server.app.engine.getContainer(sandbox.id).inspect();
      return diskFromBind(info.Mounts.find((entry) => entry.Destination === '/var/lib/docker')!.Source);
    }));
    await server.app.engine.getContainer(removedByHand.id).remove({ force: true, v: true });
    // And a disk made just before a crash, before its sandbox existed.
    const orphan = await new SandboxDisks(sandboxDiskDirectory(server.config.dataDir), sandboxDiskPrefix(instance), 256 * 1024 * 1024, remappedRoot()).create();
    for (const disk of [...disks, orphan]) expect(await gone(disk)).toBe(false);

    const next = await startTestServer({ instance, sandboxDiskMb: 256 });
    try {
      await expect(server.app.engine.getContainer(kept.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
      for (const disk of [...disks, orphan]) expect(await gone(disk)).toBe(true);
    } finally {
      await next.close();
    }
  });
});

describe("another server's disks", () => {
  it('are left alone while they may still be waiting for their sandbox, and removed once they are old', async () => {
    // A directory of this test's own: the sweep below must never see a real server's disks.
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-disks-'));
    const theirs = await new SandboxDisks(directory, sandboxDiskPrefix(`${server.config.instance}-theirs`), 256 * 1024 * 1024, remappedRoot()).create();
    const ours = new SandboxDisks(directory, sandboxDiskPrefix(`${server.config.instance}-ours`), 256 * 1024 * 1024, remappedRoot());
    try {
      expect(await ours.removeUnclaimed(new Set(), 60_000)).toBe(0);
      expect(await ours.removeUnclaimed(new Set([theirs.id]), 0)).toBe(0); // a sandbox names it
      expect(await gone(theirs)).toBe(false);
      expect(await ours.removeUnclaimed(new Set(), 0)).toBe(1);
      expect(await gone(theirs)).toBe(true);
    } finally {
      await ours.remove(theirs.id, sandboxDiskPrefix(`${server.config.instance}-theirs`));
      fs.rmSync(directory, { recursive: true }); // its disks are gone: only the template is left
    }
  });
});

describe('a host without loop devices', () => {
  it('falls back to a volume, with a warning at start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-noloop-'));
    // A server in a mount namespace of its own where every loop device is /dev/null.
    const hideLoops = 'for device in /dev/loop-control /dev/loop[0-9]*; do mount --bind /dev/null "$device" || exit 1; done';
    const child = spawn(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', `${hideLoops} && exec "$0" --import tsx scripts/serve.ts`, process.execPath],
      {
        env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DRYDOCK_INSTANCE: `${server.config.instance}-noloop`, DRYDOCK_WARM_POOL: '0', DRYDOCK_SANDBOX_DISK_MB: String(LIMIT_MB), DRYDOCK_DATABASE_FILE: path.join(dir, 'drydock.sqlite') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitUntil(() => /ready: http/.test(output) || child.exitCode !== null, 60_000, 'the server is ready');
      const url = /ready: (http:\/\/\S+)/.exec(output)?.[1];
      expect(url, output).toBeTruthy();
      expect(output).toMatch(/WARNING: sandbox disks are not limited: a loop-mounted disk could not be made here/);
      console.log(output.split('\n').find((line) => line.includes('WARNING')));
      const client = new DrydockClient(url!);
      const made = await client.createSession();
      await client.waitReady(made.id, made.token);
      const [box] = await server.app.engine.listContainers({ all: true, filters: { label: [`drydock.session=${made.id}`] } });
      const info = await server.app.engine.getContainer(box.Id).inspect();
      expect(info.Mounts.find((entry) => entry.Destination === '/var/lib/docker')?.Type).toBe('volume');
      expect(info.Config.Labels['drydock.disk']).toBeUndefined();
    } finally {
      child.kill('SIGINT'); // removes its sandboxes
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the disk setting', () => {
  it('is sized from the free space when unset, warns when the sandboxes allowed would not all fit, and refuses a disk too small to work in', async () => {
    const warnings: string[] = [];
    const notes: string[] = [];
    const settings = { dataDir: server.config.dataDir, instance: `${server.config.instance}-setting`, maxSessions: 10, warmPoolSize: 2, hostDiskReserveMb: 4096 };
    const auto = await prepareSandboxDisks({ ...settings, sandboxDiskMb: undefined }, remappedRoot(), (message) => warnings.push(message), (message) => notes.push(message));
    expect(auto.sizeBytes).toBeGreaterThanOrEqual(AUTO_DISK_MIN_MB * 1024 * 1024);
    expect(auto.sizeBytes).toBeLessThanOrEqual(AUTO_DISK_MAX_MB * 1024 * 1024);
    console.log(notes[0] ?? warnings[0]);
    const huge = Math.ceil(hostFreeBytes() / 1024 / 1024 / 12) + 1024; // 12 of them exceed the free space
    const disks = await prepareSandboxDisks({ ...settings, sandboxDiskMb: huge }, remappedRoot(), (message) => warnings.push(message), (message) => notes.push(message));
    expect(disks.enabled).toBe(true);
    expect(warnings.join('\n')).toMatch(/: \d+ fit in the .* GiB free .*, fewer than the 12 sandboxes allowed .* new sessions are refused/);
    await expect(prepareSandboxDisks({ ...settings, sandboxDiskMb: 100 }, remappedRoot())).rejects.toThrow(/at least 256/);
    const off = await prepareSandboxDisks({ ...settings, sandboxDiskMb: 0 }, remappedRoot(), (message) => warnings.push(`off: ${message}`));
    expect(off.enabled).toBe(false);
    expect(warnings.filter((message) => message.startsWith('off:'))).toEqual([]);
  });
});

describe("the host's disk", () => {
  it('admits a new sandbox only while the free space could hold every sandbox disk filled, and says why it refuses', async () => {
    // A data directory of its own on the same filesystem: only this server's disks count.
    const dataDir = fs.mkdtempSync(path.join(server.config.dataDir, 'disk-budget-'));
    const diskMb = 4096;
    // Room for one disk filled, with 2 GiB to spare either way, not for two.
    const hostDiskReserveMb = Math.floor(hostFreeBytes() / 1024 / 1024) - Math.round(1.5 * diskMb);
    const budgeted = await startTestServer({ dataDir, sandboxDiskMb: diskMb, hostDiskReserveMb });
    try {
      const first = await budgeted.client.createSession();
      await budgeted.client.waitReady(first.id, first.token);
      const refused = await budgeted.client.request('POST', '/api/sessions');
      const reason = (await refused.json()) as { error: string };
      console.log(`refused: ${refused.status} ${reason.error}`);
      expect(refused.status).toBe(503);
      expect(reason.error).toMatch(/no room for another sandbox: 1 sandbox disk\(s\) may still grow by .* GiB/);
      // The sandbox admitted works as ever.
      const shell = await budgeted.client.openTerminal(first.id, first.token);
      expect(await shell.run('echo "admitted-$((6*7))"')).toContain('admitted-42');
      await shell.close();
      // Once it is gone, its room is free again.
      expect(await budgeted.client.deleteSession(first.id, first.token)).toBe(204);
      const next = await budgeted.client.createSession();
      await budgeted.client.waitReady(next.id, next.token);
    } finally {
      await budgeted.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
