// `npm run bench`: how fast a learner gets a shell, how fast it echoes, how much an
// idle sandbox costs. Prints the figures and writes bench/results.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../test/support/testServer.js';
import { TerminalClient } from '../test/support/drydockClient.js';
import { summarize, round } from './stats.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 20);
const KEYSTROKES = Number(process.env.BENCH_KEYSTROKES ?? 300);
const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');

/** Sandboxes' inner engines answering (state "ready"), measured beside the prompt. */
const engineReadyMs: number[] = [];

/** POST /api/sessions until the first byte of the prompt arrives on the terminal. */
async function timeToPrompt(server: TestServer): Promise<number> {
  const started = performance.now();
  const session = await server.client.createSession();
  const terminal = await server.client.openTerminal(session.id, session.token);
  await terminal.waitFor('drydock', 60_000);
  const elapsed = performance.now() - started;
  await server.app.sessions.get(session.id)!.ready;
  engineReadyMs.push(performance.now() - started);
  await terminal.close();
  await server.client.deleteSession(session.id, session.token);
  return elapsed;
}

async function waitForWarmSandbox(server: TestServer): Promise<void> {
  while (server.app.sessions.warmAvailable < 1) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** One keystroke to the shell and back, through WebSocket, tmux and readline. */
async function echoRoundTrips(terminal: TerminalClient, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const key = i % 2 === 0 ? 'x' : '\x7f'; // type and erase, so the line stays short
    const before = terminal.dropped + terminal.output.length;
    const started = performance.now();
    const echoed = new Promise<void>((resolve) => terminal.socket.once('message', () => resolve()));
    terminal.type(key);
    await echoed;
    samples.push(performance.now() - started);
    if (terminal.dropped + terminal.output.length === before) throw new Error('no echo');
  }
  return samples;
}

async function idleSandboxMemoryMb(server: TestServer, settleMs: number): Promise<number[]> {
  const sessions = await Promise.all([0, 1, 2].map(() => server.client.createSession()));
  await Promise.all(sessions.map((session) => server.client.waitReady(session.id, session.token)));
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const figures: number[] = [];
  for (const session of sessions) {
    const sandbox = server.app.sessions.get(session.id)!.sandbox!;
    const stats = await server.app.engine.getContainer(sandbox.id).stats({ stream: false });
    // As `docker stats` counts it: usage less the inactive page cache.
    const inactive = stats.memory_stats.stats?.total_inactive_file ?? stats.memory_stats.stats?.inactive_file ?? 0;
    figures.push((stats.memory_stats.usage - inactive) / 1024 / 1024);
    await server.client.deleteSession(session.id, session.token);
  }
  return figures;
}

async function main() {
  console.log(`Drydock session benchmark: ${SESSIONS} sessions each cold and warm, ${KEYSTROKES} keystrokes\n`);
  const cold = await startTestServer({ warmPoolSize: 0, maxSessions: 10 });
  const coldSamples: number[] = [];
  await timeToPrompt(cold); // warm-up: first use of the image on this engine
  engineReadyMs.length = 0;
  for (let i = 0; i < SESSIONS; i++) coldSamples.push(await timeToPrompt(cold));
  const coldEngineReady = summarize(engineReadyMs);
  const memory = await idleSandboxMemoryMb(cold, 5000);
  await cold.close();

  const warm = await startTestServer({ warmPoolSize: 2, maxSessions: 10 });
  const warmSamples: number[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    await waitForWarmSandbox(warm);
    warmSamples.push(await timeToPrompt(warm));
  }
  const session = await warm.client.createSession();
  const terminal = await warm.client.openTerminal(session.id, session.token);
  await terminal.waitFor('drydock');
  await new Promise((resolve) => setTimeout(resolve, 300));
  await echoRoundTrips(terminal, 20); // warm-up
  const echoSamples = await echoRoundTrips(terminal, KEYSTROKES);
  await terminal.close();
  await warm.close();

  const results = {
    date: new Date().toISOString(),
    sessionReadyColdMs: summarize(coldSamples),
    sessionReadyWarmMs: summarize(warmSamples),
    innerEngineReadyColdMs: coldEngineReady,
    keystrokeEchoMs: summarize(echoSamples),
    idleSandboxMemoryMb: { samples: memory.map((value) => round(value, 1)), max: round(Math.max(...memory), 1) },
    warmToColdRatio: round(summarize(warmSamples).p50 / summarize(coldSamples).p50, 3),
    targets: { coldP50Ms: 1000, warmP50Ms: 150, echoP50Ms: 5, idleSandboxMb: 64 },
  };
  const line = (label: string, value: string, target: string) => console.log(`${label.padEnd(38)}${value.padEnd(30)}target ${target}`);
  line('session ready, cold (p50 / p95)', `${results.sessionReadyColdMs.p50} / ${results.sessionReadyColdMs.p95} ms`, '≤ 1000 ms p50');
  line('inner engine ready, cold (p50 / p95)', `${results.innerEngineReadyColdMs.p50} / ${results.innerEngineReadyColdMs.p95} ms`, '(docker waits for it)');
  line('session ready, warm (p50 / p95)', `${results.sessionReadyWarmMs.p50} / ${results.sessionReadyWarmMs.p95} ms`, '≤ 150 ms p50');
  line('keystroke echo (p50 / p99)', `${results.keystrokeEchoMs.p50} / ${results.keystrokeEchoMs.p99} ms`, '≤ 5 ms p50');
  line('idle sandbox memory (max of 3)', `${results.idleSandboxMemoryMb.max} MiB`, '≤ 64 MiB');
  line('warm / cold ratio (p50)', String(results.warmToColdRatio), '');
  fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`);
  process.exit(0);
}

await main();
