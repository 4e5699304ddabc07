// Abuse from inside a sandbox, for real, with Drydock's limits in force: a fork bomb, a
// memory hog and a CPU hog in sandbox A. Each stays inside A: A's limit holds (read from
// the host's side of its cgroups), while sandbox B's terminal and the server keep
// answering. Every attack is bounded in time (timeout, a process group killed after),
// and the memory hog in size too, so a missing limit fails the test, not the machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/testServer.js';
import type { CreatedSession, TerminalClient } from '../support/drydockClient.js';

let server: TestServer;
let a: CreatedSession;
let b: CreatedSession;
let bTerminal: TerminalClient;

/** B must answer each probe within this, whatever A does (a generous bound, not a timing). */
const PROBE_BOUND_MS = 5000;

beforeAll(async () => {
  server = await startTestServer();
  [a, b] = await Promise.all([server.client.createSession(), server.client.createSession()]);
  await Promise.all([server.client.waitReady(a.id, a.token), server.client.waitReady(b.id, b.token)]);
  bTerminal = await server.client.openTerminal(b.id, b.token);
  await bTerminal.waitFor('drydock');
  await bTerminal.run('echo b-ready');
}, 300_000);

afterAll(async () => {
  await bTerminal?.close();
  await server?.close();
});

function sandboxOf(session: CreatedSession) {
  return server.app.sessions.get(session.id)!.sandbox!;
}

async function sh(session: CreatedSession, script: string, timeoutMs = 120_000) {
  return server.app.backend.exec(sandboxOf(session), ['bash', '-c', script], timeoutMs);
}

/** A file of a sandbox's own cgroup (v1), read on the host: what the sandbox cannot fake. */
async function cgroupFile(session: CreatedSession, controller: string, file: string): Promise<string> {
  const pid = (await server.app.engine.getContainer(sandboxOf(session).id).inspect()).State.Pid;
  const line = fs
    .readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((entry) => entry.split(':')[1]?.split(',').includes(controller));
  if (!line) throw new Error(`no ${controller} cgroup for the sandbox`);
  const mount = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((entry) => entry.split(' - '))
    .find(([, after]) => after?.startsWith('cgroup ') && after.split(' ')[2].split(',').includes(controller));
  if (!mount) throw new Error(`no ${controller} hierarchy on the host`);
  return path.join(mount[0].split(' ')[4], line.split(':').slice(2).join(':'), file);
}

function readNumber(file: string): number {
  return Number(fs.readFileSync(file, 'utf8').trim());
}

function statField(file: string, field: string): number {
  const match = new RegExp(`^${field} (\\d+)$`, 'm').exec(fs.readFileSync(file, 'utf8'));
  if (!match) throw new Error(`no ${field} in ${file}`);
  return Number(match[1]);
}

function memAvailableBytes(): number {
  return Number(/^MemAvailable:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
}

/** One keystroke to B's shell and its echo back (type and erase, so the line stays short). */
let keystrokes = 0;
async function echoOnce(): Promise<number> {
  const key = keystrokes++ % 2 === 0 ? 'x' : '\x7f';
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`B's terminal did not echo within ${PROBE_BOUND_MS} ms`)), PROBE_BOUND_MS);
    bTerminal.socket.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    bTerminal.type(key);
  });
  return performance.now() - started;
}

async function healthOnce(): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(PROBE_BOUND_MS) });
  await response.text();
  if (response.status !== 200) throw new Error(`/api/health answered ${response.status}`);
  return performance.now() - started;
}

interface Probes {
  echoMs: number[];
  healthMs: number[];
}

/** Probes B's echo and the server's health, one after another, until `until` settles. */
async function probeWhile(until: Promise<unknown>): Promise<Probes> {
  let done = false;
  void until.finally(() => (done = true)).catch(() => undefined);
  const probes: Probes = { echoMs: [], healthMs: [] };
  while (!done) {
    probes.echoMs.push(await echoOnce());
    probes.healthMs.push(await healthOnce());
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return probes;
}

async function baseline(count = 20): Promise<Probes> {
  const probes: Probes = { echoMs: [], healthMs: [] };
  for (let i = 0; i < count; i++) {
    probes.echoMs.push(await echoOnce());
    probes.healthMs.push(await healthOnce());
  }
  return probes;
}

function p50(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

function report(label: string, before: Probes, during: Probes): void {
  const f = (values: number[]) => `p50 ${p50(values).toFixed(1)} / max ${Math.max(...values).toFixed(1)} ms (${values.length})`;
  console.log(
    `${label}: B echo before ${f(before.echoMs)}, during ${f(during.echoMs)}; /api/health before ${f(before.healthMs)}, during ${f(during.healthMs)}`,
  );
}

/** Samples a number every 100 ms until `until` settles; returns every sample. */
async function sampleWhile(until: Promise<unknown>, read: () => number): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true)).catch(() => undefined);
  const samples: number[] = [];
  while (!done) {
    samples.push(read());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return samples;
}

describe('sandbox A attacks; A is held, B and the server keep answering', () => {
  it('a fork bomb: the pids limit holds, new processes fail with EAGAIN', async () => {
    const limit = server.config.sandboxPidsLimit;
    const pidsCurrent = await cgroupFile(a, 'pids', 'pids.current');
    const pidsEvents = await cgroupFile(a, 'pids', 'pids.events');
    expect(readNumber(await cgroupFile(a, 'pids', 'pids.max'))).toBe(limit);
    const idlePids = readNumber(pidsCurrent);
    const refusedBefore = statField(pidsEvents, 'max');
    const before = await baseline();

    // Its own process group, killed whole by timeout after 20 s (and again after, to be
    // sure). The bomb's first shell waits on a fifo: a builtin, no fork needed to wait.
    const attack = sh(
      a,
      'rm -f /tmp/bomb.fifo; mkfifo /tmp/bomb.fifo; ' +
        `setsid -w bash -c 'echo $$ > /tmp/bomb.pgid; exec timeout -s KILL 20 bash -c ":(){ :|:& };:; read -t 30 <> /tmp/bomb.fifo" 2>/tmp/bomb.log'; ` +
        'kill -KILL -- -$(cat /tmp/bomb.pgid) 2>/dev/null; sleep 1; ' +
        'echo "eagain=$(grep -c "Resource temporarily unavailable" /tmp/bomb.log)"; echo bomb-done',
      90_000,
    );
    const [pids, during] = await Promise.all([sampleWhile(attack, () => readNumber(pidsCurrent)), probeWhile(attack)]);
    const result = await attack;
    report('fork bomb', before, during);
    console.log(`fork bomb: A's pids.current idle ${idlePids}, max ${Math.max(...pids)} (limit ${limit}); forks refused by the limit: ${statField(pidsEvents, 'max') - refusedBefore}`);

    expect(result.output).toContain('bomb-done');
    expect(Math.max(...pids)).toBeGreaterThan(limit * 0.9); // the bomb really ran into the limit…
    expect(Math.max(...pids)).toBeLessThanOrEqual(limit); // …and never past it
    expect(statField(pidsEvents, 'max')).toBeGreaterThan(refusedBefore);
    expect(Number(/eagain=(\d+)/.exec(result.output)?.[1])).toBeGreaterThan(0);
    expect(during.echoMs.length).toBeGreaterThan(10); // B answered every probe (each within the bound) all along
    // A is usable again once the bomb is gone.
    expect((await sh(a, 'echo "a-alive-$((6*7))"', 30_000)).output).toContain('a-alive-42');
    expect(readNumber(pidsCurrent)).toBeLessThan(idlePids + 20);
  });

  it('a memory hog: killed by the OOM killer inside A; the host loses no more than the limit', async () => {
    const limit = server.config.sandboxMemoryBytes;
    const oomControl = await cgroupFile(a, 'memory', 'memory.oom_control');
    expect(readNumber(await cgroupFile(a, 'memory', 'memory.limit_in_bytes'))).toBe(limit);
    const killsBefore = statField(oomControl, 'oom_kill');
    const before = await baseline();
    const availableBefore = memAvailableBytes();

    // 32 MiB at a time, touched, up to 2.5 GiB: past A's limit, far within this machine's.
    const chunks = Math.ceil((limit + 1024 ** 3) / (32 << 20));
    const hog = sh(
      a,
      `timeout -s KILL 60 python3 -c '
held = []
for i in range(${chunks}):
    held.append(b"\\x01" * (32 << 20))
    print("held", (i + 1) * 32, flush=True)
print("survived", flush=True)
' | tail -n 1; echo "hog-exit=\${PIPESTATUS[0]}"`,
      90_000,
    );
    const [available, during] = await Promise.all([sampleWhile(hog, memAvailableBytes), probeWhile(hog)]);
    const result = await hog;
    const drop = availableBefore - Math.min(...available);
    report('memory hog', before, during);
    console.log(`memory hog: ${result.output.trim().replace(/\n/g, '; ')}; host MemAvailable fell by at most ${(drop / 1024 ** 2).toFixed(0)} MiB (limit ${(limit / 1024 ** 2).toFixed(0)} MiB)`);

    expect(result.output).not.toContain('survived');
    expect(result.output).toContain('hog-exit=137'); // SIGKILL
    expect(statField(oomControl, 'oom_kill')).toBeGreaterThan(killsBefore); // by A's own OOM killer
    const held = Number(/held (\d+)/.exec(result.output)?.[1]);
    expect(held * 1024 * 1024).toBeLessThanOrEqual(limit);
    // Other work on this machine may take some memory meanwhile: allow 512 MiB for it.
    expect(drop).toBeLessThan(limit + 512 * 1024 ** 2);
    expect(during.echoMs.length).toBeGreaterThan(0);
    // A's engine survived, or the server knows A's session is not well.
    const ps = await sh(a, 'timeout 20 docker ps >/dev/null && echo ps-answered', 30_000).catch((error: Error) => ({ output: error.message, exitCode: -1 }));
    const state = (await server.client.session(a.id, a.token)).body;
    console.log(`memory hog: afterwards A's engine ${ps.output.includes('ps-answered') ? 'answers docker ps' : 'does not answer'}; A's session is ${state.state}${state.error ? ` (${state.error})` : ''}`);
    expect(ps.output.includes('ps-answered') || state.state !== 'ready' || Boolean(state.error)).toBe(true);
    expect((await sh(b, 'timeout 20 docker ps >/dev/null && echo ps-answered', 30_000)).output).toContain('ps-answered');
  });

  it('a CPU hog: held to its share; a CPU-bound loop in B takes less than 3x its idle time', async () => {
    const cpuStat = await cgroupFile(a, 'cpu', 'cpu.stat');
    const limitCores = server.config.sandboxNanoCpus / 1e9;
    expect(readNumber(await cgroupFile(a, 'cpu', 'cpu.cfs_quota_us')) / readNumber(await cgroupFile(a, 'cpu', 'cpu.cfs_period_us'))).toBeCloseTo(limitCores, 2);
    const cpuUsage = await cgroupFile(a, 'cpuacct', 'cpuacct.usage');
    const loop = `s=$(date +%s%N); i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo "loop-ms=$(( ($(date +%s%N) - s) / 1000000 ))"`;
    const timeLoop = async () => Number(/loop-ms=(\d+)/.exec((await sh(b, loop)).output)?.[1]);
    const idle = [await timeLoop(), await timeLoop(), await timeLoop()];
    const before = await baseline();

    const throttledBefore = statField(cpuStat, 'nr_throttled');
    const hog = sh(
      a,
      `setsid -w bash -c 'echo $$ > /tmp/hog.pgid; exec timeout -s KILL 15 sh -c "for i in 1 2 3 4; do while :; do :; done & done; wait"'; ` +
        'kill -KILL -- -$(cat /tmp/hog.pgid) 2>/dev/null; echo hog-done',
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 2000)); // the hog is at full speed
    const usageStart = readNumber(cpuUsage);
    const windowStart = performance.now();
    const busy = [await timeLoop(), await timeLoop(), await timeLoop()];
    const aCores = (readNumber(cpuUsage) - usageStart) / 1e6 / (performance.now() - windowStart);
    const during = await probeWhile(new Promise((resolve) => setTimeout(resolve, 3000)));
    const throttled = statField(cpuStat, 'nr_throttled') - throttledBefore;
    expect((await hog).output).toContain('hog-done');

    const ratio = p50(busy) / p50(idle);
    report('CPU hog', before, during);
    console.log(`CPU hog: B's loop idle ${idle.join('/')} ms, during ${busy.join('/')} ms, ratio ${ratio.toFixed(2)}; A used ${aCores.toFixed(2)} cores (limit ${limitCores}), throttled ${throttled} times; ${os.cpus().length} cores, load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    expect(ratio).toBeLessThan(3);
    // Four busy loops held to A's quota. (How much of it A gets depends on what else this
    // machine runs; the quota is the ceiling.)
    expect(aCores).toBeLessThan(limitCores + 0.15);
    expect(aCores).toBeGreaterThan(0.2); // the hog really ran
  });
});
