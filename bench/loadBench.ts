// `npm run bench:load`: how many learners this machine holds at once. Learners arrive in
// waves, each doing a typical lesson step for real (sandbox, terminal, solution, Check)
// and keeping their sandbox; the ramp stops at the first wave that fails, when the
// host's free memory falls below a floor, when starting takes too long, or at --max.
// At the load reached: check latency, a burst of everyone's checks at one instant, and
// proof that no session lost its state. With live checks (the default; --live off for
// the old way) each learner listens on their event stream and waits for the server to
// pass the step, and at the end the same stretch of work runs with live checks off and
// on to show what they cost. Writes bench/load-results.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../sandbox-server/src/config.js';
import { loadLessons } from '../sandbox-server/src/lessons/lessonLoader.js';
import { startTestServer } from '../test/support/testServer.js';
import { MemorySampler } from './memorySampler.js';
import { runLearner, type LearnerResult } from './simulatedLearner.js';
import { measureActivity, type ActivityFigures } from './liveActivity.js';
import { EventStreamClient } from '../test/support/eventStreamClient.js';
import type { TerminalClient } from '../test/support/drydockClient.js';
import { round, summarize } from './stats.js';
import { option } from './benchOptions.js';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-results.json');

const MAX = Number(option('max', '200'));
const WAVE = Number(option('wave', '10'));
const LESSON = option('lesson', 'what-is-a-container');
/** Stop before the machine runs short: keep this much memory free. */
const MEMORY_FLOOR_MB = Number(option('memory-floor-mb', String(Math.max(4096, (os.totalmem() / 1024 / 1024) * 0.2))));
/** Each sandbox's disk: the step needs little, and every disk must fit the host filled
 * (the server admits no more than that), so the size bounds how many the disk holds. */
const DISK_MB = Number(option('disk-mb', '1024'));
/** Stop when the slowest learner of a wave waited longer than this for a ready sandbox. */
const READY_CEILING_MS = Number(option('ready-ceiling-ms', '30000'));
const LIVE = option('live', 'on') !== 'off';
/** The stretch of work measured with live checks off and then on, and its pace. */
const ACTIVITY_S = Number(option('activity-s', '40'));
const COMMAND_EVERY_MS = Number(option('command-every-ms', '5000'));

/** A learner of their own (as a browser gets one), listening on their event stream. */
async function listeningLearner(url: string): Promise<{ credential: string; events: EventStreamClient }> {
  const me = await fetch(`${url}/api/me`);
  const credential = decodeURIComponent(me.headers.get('set-cookie')!.split(';')[0].split('=')[1]);
  const events = await EventStreamClient.open(`${url}/api/me/events`, { authorization: `Bearer ${credential}` });
  return { credential, events };
}

async function main() {
  const lessonsDir = loadConfig().lessonsDir;
  const [lesson] = await loadLessons(lessonsDir, [LESSON]);
  const step = lesson?.steps.find((candidate) => candidate.checks.length && candidate.solution?.commands.trim() && !candidate.solution.files.length);
  if (!lesson || !step) throw new Error(`lesson ${LESSON} has no step that a terminal alone can solve`);
  console.log(`Drydock load benchmark: waves of ${WAVE} learners up to ${MAX} with disks of ${DISK_MB} MiB, step "${step.title}" of "${lesson.title}", live checks ${LIVE ? 'on' : 'off'}; stops below ${Math.round(MEMORY_FLOOR_MB)} MiB free or a wave's ready p100 over ${READY_CEILING_MS} ms\n`);

  const server = await startTestServer({ lessonsDir, maxSessions: MAX, warmPoolSize: 0, sandboxDiskMb: DISK_MB, rateLimitAddressPerMinute: 100_000, rateLimitLearnerPerMinute: 100_000, liveChecks: LIVE });
  const streams: EventStreamClient[] = [];
  process.once('SIGINT', () => void server.close().then(() => process.exit(130)));
  const memory = new MemorySampler();
  const held: (LearnerResult & { terminal?: TerminalClient })[] = [];
  const waves: { size: number; held: number; readyMs: ReturnType<typeof summarize>; checkMs: ReturnType<typeof summarize>; freeMb: number; failures: string[] }[] = [];
  let stopReason = `reached --max ${MAX}`;
  try {
    while (held.length < MAX) {
      const size = Math.min(WAVE, MAX - held.length);
      const results = await Promise.all(
        Array.from({ length: size }, async (_, i) => {
          const listening = LIVE ? await listeningLearner(server.url) : undefined;
          if (listening) streams.push(listening.events);
          const task = { lesson: lesson.id, step: step.id, commands: `${step.solution!.commands.trim()}\necho "$HOSTNAME" > /workspace/marker` };
          return runLearner(server.url, `learner-${held.length + i + 1}`, listening?.credential, task, undefined, { liveEvents: listening?.events });
        }),
      );
      const failures = results.filter((result) => !result.passed).map((result) => `${result.name}: ${result.error}`);
      held.push(...results.filter((result) => result.passed));
      const readyMs = summarize(results.map((result) => result.readyMs!).filter(Number.isFinite));
      const liveMs = summarize(results.map((result) => result.liveMs!).filter(Number.isFinite));
      const wave = { size, held: held.length, readyMs, checkMs: summarize(results.flatMap((result) => result.checkMs)), liveMs, freeMb: Math.round(memory.availableMb()), failures };
      waves.push(wave);
      const judged = LIVE ? `live pass p50 ${liveMs.p50} p95 ${liveMs.p95} ms` : `check p95 ${wave.checkMs.p95} ms`;
      console.log(`wave ${String(waves.length).padStart(2)}: ${String(held.length).padStart(3)} held · ready p50 ${readyMs.p50} p95 ${readyMs.p95} ms · ${judged} · ${wave.freeMb} MiB free${failures.length ? ` · ${failures.length} failed` : ''}`);
      if (failures.some((failure) => failure.includes('no room for another sandbox'))) {
        stopReason = `the host's disk holds no more sandbox disks of ${DISK_MB} MiB filled (--disk-mb): ${failures.length} refused`;
        break;
      }
      if (failures.length) {
        stopReason = `a wave had failures: ${failures.slice(0, 3).join('; ')}`;
        break;
      }
      if (wave.freeMb < MEMORY_FLOOR_MB) {
        stopReason = `free memory ${wave.freeMb} MiB fell below the floor of ${Math.round(MEMORY_FLOOR_MB)} MiB`;
        break;
      }
      if (readyMs.max > READY_CEILING_MS) {
        stopReason = `a sandbox took ${readyMs.max} ms to be ready (ceiling ${READY_CEILING_MS} ms)`;
        break;
      }
    }

    // At the load reached: first everyone's checks at the same instant (the worst burst a
    // room can make), then, a few at a time as people really press Check, whether every
    // sandbox still has its marker and its passed step (no state lost).
    const client = server.client;
    const check = async (learner: LearnerResult) => {
      const started = performance.now();
      const answer = await client.request('POST', `/api/sessions/${learner.sessionId}/checks`, learner.sessionToken, { lesson: lesson.id, step: step.id });
      const body = (await answer.json()) as { passed?: boolean };
      return { ms: performance.now() - started, passed: body.passed === true };
    };
    const burst = await Promise.all(held.map(check));
    const kept: boolean[] = [];
    const steadyMs: number[] = [];
    for (let i = 0; i < held.length; i += 8) {
      const batch = await Promise.all(
        held.slice(i, i + 8).map(async (learner) => {
          const result = await check(learner);
          steadyMs.push(result.ms);
          const sandbox = server.app.sessions.get(learner.sessionId!)?.sandbox;
          const marker = sandbox ? (await server.app.backend.exec(sandbox, ['cat', '/workspace/marker'], 30_000).catch(() => ({ output: '' }))).output.trim() : '';
          return result.passed && marker.length > 0;
        }),
      );
      kept.push(...batch);
    }
    const lost = kept.filter((ok) => !ok).length;

    // The same work with live checks off, then on: what they cost per working learner.
    const busyStep = lesson.steps.find((candidate) => candidate !== step && candidate.checks.length > 0);
    const working = held.filter((learner) => learner.terminal).map((learner) => ({ sessionId: learner.sessionId!, sessionToken: learner.sessionToken!, terminal: learner.terminal! }));
    const activity: ActivityFigures[] = [];
    if (LIVE && busyStep && working.length) {
      for (const live of [false, true]) {
        const figures = await measureActivity(server, working, { lesson: lesson.id, step: busyStep.id }, { live, seconds: ACTIVITY_S, commandEveryMs: COMMAND_EVERY_MS });
        activity.push(figures);
        console.log(`working, live checks ${live ? 'on ' : 'off'}            server ${figures.serverCpuPct}% · host ${figures.hostCpuPct}% of a core · ${figures.commands} commands, ${figures.evaluations} evaluations`);
      }
    }
    const [off, on] = activity;
    const liveStats = server.app.live.stats;
    // The last wave may have been cut short (refusals): the newest WAVE learners held.
    const lastArrivals = summarize(held.slice(-WAVE).map((learner) => learner.readyMs!).filter(Number.isFinite));
    const figures = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryMb: Math.round(os.totalmem() / 1024 / 1024) },
      maxHeld: held.length,
      sandboxDiskMb: DISK_MB,
      stopReason,
      sessionReadyAtMaxLoadMs: lastArrivals,
      checkLatencyAtMaxLoadMs: summarize(steadyMs),
      checkBurstAllAtOnce: { latencyMs: summarize(burst.map((entry) => entry.ms)), passedWithinDeadlines: burst.filter((entry) => entry.passed).length },
      sessionsThatLostState: lost,
      liveChecks: LIVE
        ? {
            passLatencyMs: summarize(held.map((learner) => learner.liveMs!).filter(Number.isFinite)),
            passedWithoutCheck: held.filter((learner) => Number.isFinite(learner.liveMs)).length,
            evaluationMsMean: round(liveStats.evaluationMs / Math.max(1, liveStats.evaluations), 1),
            activity,
            perWorkingLearner: off && on
              ? { serverCpuPct: round((on.serverCpuPct - off.serverCpuPct) / on.learners, 2), hostCpuPct: round((on.hostCpuPct - off.hostCpuPct) / on.learners, 2), commandEveryMs: COMMAND_EVERY_MS }
              : undefined,
          }
        : 'off',
      memory: { ...memory.stop(), perSandboxMb: round((memory.startAvailableMb - memory.lowestAvailableMb) / Math.max(1, held.length), 1) },
      waves,
    };
    for (const learner of held) void learner.terminal?.close();
    for (const stream of streams) stream.close();
    console.log(`\nheld at once                        ${figures.maxHeld} sandboxes (${stopReason})`);
    console.log(`ready, last ${Math.min(WAVE, held.length)} held (p50/p95) ${figures.sessionReadyAtMaxLoadMs.p50} / ${figures.sessionReadyAtMaxLoadMs.p95} ms`);
    console.log(`checks at that load (p50/p95)      ${figures.checkLatencyAtMaxLoadMs.p50} / ${figures.checkLatencyAtMaxLoadMs.p95} ms (8 at a time)`);
    console.log(`checks, all ${held.length} in one instant      p50 ${figures.checkBurstAllAtOnce.latencyMs.p50} / p95 ${figures.checkBurstAllAtOnce.latencyMs.p95} ms; ${figures.checkBurstAllAtOnce.passedWithinDeadlines} passed within the checks' deadlines`);
    console.log(`sessions that lost state           ${lost} of ${held.length}`);
    if (typeof figures.liveChecks === 'object') {
      const live = figures.liveChecks;
      console.log(`live checks: passed without Check   ${live.passedWithoutCheck} of ${held.length}, command → green p50/p95 ${live.passLatencyMs.p50} / ${live.passLatencyMs.p95} ms; an evaluation ${live.evaluationMsMean} ms`);
      if (live.perWorkingLearner) console.log(`live checks cost per working learner server +${live.perWorkingLearner.serverCpuPct}% · host +${live.perWorkingLearner.hostCpuPct}% of a core (a command every ${COMMAND_EVERY_MS / 1000} s)`);
    }
    console.log(`host memory used / per sandbox     ${figures.memory.hostUsedByRunMb} MiB / ${figures.memory.perSandboxMb} MiB; server RSS peak ${figures.memory.serverRssPeakMb} MiB`);
    fs.writeFileSync(RESULTS, JSON.stringify(figures, null, 2) + '\n');
    console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`);
  } finally {
    await server.close();
  }
  process.exit(0);
}

await main();
