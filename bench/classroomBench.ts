// `npm run bench:classroom [-- --learners 30 --per-second 3 --warm 2 --lesson ID --step ID]`:
// a workshop on this machine. An instructor opens a classroom and watches its live grid;
// the learners arrive a few per second, join with the code, get real sandboxes, type a
// real lesson step's solution into real terminals and press Check until it passes.
// Prints the figures and writes bench/classroom-results.json. What the machine could not
// hold (a sandbox that failed, a check that timed out, a refusal) is counted and named
// with its reason, not hidden; the run still exits 0 once it has measured.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../sandbox-server/src/config.js';
import { loadLessons } from '../sandbox-server/src/lessons/lessonLoader.js';
import type { LiveGrid } from '../sandbox-server/src/classrooms/liveGrid.js';
import { applyRowUpdate } from '../sandbox-server/src/classrooms/gridRows.js';
import { hostEngine, startTestServer, type TestServer } from '../test/support/testServer.js';
import { EventStreamTap } from '../test/support/eventStreamTap.js';
import { MemorySampler } from './memorySampler.js';
import { SandboxMemory } from './sandboxMemory.js';
import { runLearner, type LearnerResult } from './simulatedLearner.js';
import { round, summarize } from './stats.js';
import { option } from './benchOptions.js';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'classroom-results.json');

const LEARNERS = Number(option('learners', '30'));
/** How fast the room arrives: joins per second. */
const PER_SECOND = Number(option('per-second', '3'));
/** Warm sandboxes the server keeps ready, as configured for a workshop (server default 2). */
const WARM = Number(option('warm', '2'));
const LESSON = option('lesson', 'what-is-a-container');
const STEP = option('step', '');
/** Each learner's time limit from joining to a passed step. */
const LEARNER_DEADLINE_MS = Number(option('deadline-s', '240')) * 1000;
/** A learner who would arrive while the host has less memory free than this is not started. */
const MIN_FREE_MB = Number(option('min-free-mb', '1024'));

const print = (text = '') => process.stdout.write(`${text}\n`);
/** Set once the run is being torn down: no learner starts anything after it. */
let stopping = false;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ClassroomLearner extends LearnerResult {
  index: number;
  /** The learner's own event stream (GET /api/me/events) said hello. */
  helloMs?: number;
  joinStartedAt?: number;
  /** From sending the join until the instructor's grid listed the learner. */
  joinShownOnGridMs?: number;
  gridLagMs?: number;
}

/** A sandbox whose creation was in flight when the server closed comes up after it:
 * sweep this run's instance until the engine has shown none for a few seconds. */
async function removeLateSandboxes(server: TestServer): Promise<number> {
  let removed = 0;
  let quiet = 0;
  const until = Date.now() + 30_000;
  while (quiet < 3 && Date.now() < until) {
    const left = await server.app.engine
      .listContainers({ all: true, filters: { label: [`drydock.instance=${server.config.instance}`] } })
      .catch(() => []);
    quiet = left.length ? 0 : quiet + 1;
    removed += left.length;
    await Promise.all(left.map((container) => server.app.engine.getContainer(container.Id).remove({ force: true, v: true }).catch(() => undefined)));
    await sleep(1000);
  }
  return removed;
}


async function main() {
  const lessonsDir = loadConfig().lessonsDir;
  const [lesson] = await loadLessons(lessonsDir, [LESSON]);
  if (!lesson) throw new Error(`no lesson ${LESSON} in ${path.relative(process.cwd(), lessonsDir)}`);
  const solvable = (step: (typeof lesson.steps)[number]) => step.checks.length > 0 && !!step.solution?.commands.trim() && !step.solution.files.length;
  const step = STEP ? lesson.steps.find((candidate) => candidate.id === STEP) : lesson.steps.find(solvable);
  if (!step || !solvable(step)) throw new Error(`lesson ${LESSON} has no step ${STEP ? `"${STEP}" ` : ''}with checks that typed commands alone can solve`);
  const commands = step.solution!.commands.trim();

  print(`Drydock classroom benchmark: ${LEARNERS} learners arriving ${PER_SECOND}/s, warm pool ${WARM}, lesson "${lesson.title}", step "${step.title}" (${step.id})`);
  print(`solution typed by each learner: ${commands.split('\n').join(' ⏎ ')}\n`);
  print('setting up the host (engine, sandbox image, network) …');
  await hostEngine();

  // The server runs in this process; its log is kept for the report instead of being
  // interleaved with the table.
  const serverLog: { atS: number; line: string }[] = [];
  const benchStarted = performance.now();
  console.log = (...parts: unknown[]) => void serverLog.push({ atS: round((performance.now() - benchStarted) / 1000, 1), line: parts.map(String).join(' ') });

  const server = await startTestServer({ lessonsDir, maxSessions: LEARNERS, warmPoolSize: WARM });
  let closing: Promise<void> | undefined;
  const shutDown = () =>
    (closing ??= (async () => {
      stopping = true;
      await server.close().catch((error: Error) => void print(`closing the server: ${error.message}`));
      const late = await removeLateSandboxes(server);
      if (late) print(`removed ${late} sandbox(es) whose start was still under way when the server closed`);
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      print(`\n${signal}: removing every sandbox of this run …`);
      void shutDown().then(() => process.exit(130));
    });
  }
  try {
    await measure(server, lesson.id, step.id, commands, serverLog);
  } finally {
    await shutDown();
  }
  process.exit(0);
}

async function measure(server: TestServer, lessonId: string, stepId: string, commands: string, serverLog: { atS: number; line: string }[]) {
  const base = server.url;
  const otherSandboxes = (await server.app.engine.listContainers({ filters: { label: ['drydock.sandbox'], status: ['running'] } })).filter(
    (container) => container.Labels['drydock.instance'] !== server.config.instance,
  ).length;
  const loadAtStart = os.loadavg().map((value) => round(value, 2));
  if (WARM > 0) {
    const until = Date.now() + 60_000;
    while (server.app.sessions.warmAvailable < WARM && Date.now() < until) await sleep(100);
  }
  const hostMemory = new MemorySampler();
  const sandboxMemory = new SandboxMemory(server.app.engine, server.config.instance);
  sandboxMemory.start(500);
  let interruptedSessions = 0;
  server.app.sessions.onInterrupt(() => void (interruptedSessions += 1));

  // The instructor: a classroom for the lesson, and its live grid.
  const created = await server.client.requestJson('POST', '/api/classrooms', undefined, { name: 'Benchmark workshop', lessons: [lessonId], maxLearners: LEARNERS }, 60_000);
  if (created.status !== 201) throw new Error(`creating the classroom answered ${created.status}: ${created.text.slice(0, 300)}`);
  const room = created.json as { id: string; code: string; instructorToken: string };
  const cell = `${lessonId}/${stepId}`;
  /** When each learner first appeared on the grid, by learner id. */
  const firstShownAt = new Map<string, number>();
  const grid = { updates: 0, largestBytes: 0, lastLearnerCount: 0, passedShown: 0 };
  const passShownAt = new Map<string, number>();
  let shown: LiveGrid | undefined;
  const instructor = await EventStreamTap.open(`${base}/api/classrooms/${room.id}/events?token=${encodeURIComponent(room.instructorToken)}`, (event) => {
    if (event.event === 'grid') shown = event.data as LiveGrid;
    else if (event.event === 'rows' && shown) shown = applyRowUpdate(shown, event.data);
    else return;
    const data = shown;
    grid.updates += 1;
    grid.largestBytes = Math.max(grid.largestBytes, event.bytes);
    grid.lastLearnerCount = data.learners.length;
    for (const row of data.learners) {
      if (!firstShownAt.has(row.learnerId)) firstShownAt.set(row.learnerId, event.at);
      if (row.cells[cell]?.status === 'passed' && !passShownAt.has(row.learnerId)) passShownAt.set(row.learnerId, event.at);
    }
    grid.passedShown = passShownAt.size;
  });

  const learnerStreams: EventStreamTap[] = [];
  const started = performance.now();
  print(`classroom ${room.code} open; ${LEARNERS} learners arriving …`);
  const runs = Array.from({ length: LEARNERS }, async (_, index): Promise<ClassroomLearner> => {
    await sleep((index / PER_SECOND) * 1000);
    if (stopping) return { index, name: `Learner ${String(index + 1).padStart(2, '0')}`, checkMs: [], passed: false, stage: 'join', error: 'not started: the run was stopped' };
    const name = `Learner ${String(index + 1).padStart(2, '0')}`;
    const learner: ClassroomLearner = { index, name, checkMs: [], passed: false };
    try {
      const freeMb = hostMemory.availableMb();
      if (freeMb < MIN_FREE_MB) throw Object.assign(new Error(`not started: the host had ${Math.round(freeMb)} MiB available, below the ${MIN_FREE_MB} MiB floor`), { stage: 'join' });
      const joinStarted = performance.now();
      const joined = await server.client.requestJson('POST', `/api/classrooms/${room.code}/join`, undefined, { name }, 60_000);
      learner.joinMs = performance.now() - joinStarted;
      if (joined.status !== 201) throw Object.assign(new Error(`join answered ${joined.status}: ${joined.text.slice(0, 200)}`), { stage: 'join' });
      const { learnerId, token } = joined.json as { learnerId: string; token: string };
      learner.learnerId = learnerId;
      learner.joinStartedAt = joinStarted;
      // The web app holds the learner's own stream open (broadcasts, resets).
      const helloFrom = performance.now();
      learnerStreams.push(
        await EventStreamTap.open(`${base}/api/me/events?token=${encodeURIComponent(token)}`, (event) => {
          if (event.event === 'hello' && learner.helloMs === undefined) learner.helloMs = event.at - helloFrom;
        }),
      );
      const result = await runLearner(base, name, token, { lesson: lessonId, step: stepId, commands }, Math.max(1000, LEARNER_DEADLINE_MS - learner.joinMs), {
        whenReady: (sessionId) => server.app.sessions.get(sessionId)!.ready,
        pollLikeBrowser: true,
      });
      Object.assign(learner, result, { name, joinMs: learner.joinMs });
      const restarts = learner.interruptions ? ` · sandbox restarted ×${learner.interruptions.length}` : '';
      if (learner.passed) print(`  ${name} ✓ ready ${Math.round(learner.readyMs!)} ms · prompt ${Math.round(learner.promptMs!)} ms · ${learner.checkMs.length} check(s)${restarts}`);
      else print(`  ${name} ✗ ${learner.stage}: ${learner.error!.slice(0, 160)}${restarts}`);
    } catch (error) {
      learner.stage ??= ((error as { stage?: LearnerResult['stage'] }).stage ?? 'join');
      learner.error = (error as Error).message;
      print(`  ${name} ✗ ${learner.stage}: ${learner.error.slice(0, 120)}`);
    }
    return learner;
  });
  const results = await Promise.all(runs);
  const wallS = (performance.now() - started) / 1000;

  // The last passes reach the grid (it is pushed within ~1 s of a change).
  const passed = results.filter((learner) => learner.passed);
  const until = Date.now() + 10_000;
  while (passed.some((learner) => !passShownAt.has(learner.learnerId!)) && Date.now() < until) await sleep(50);
  for (const learner of results) {
    const shown = learner.learnerId ? firstShownAt.get(learner.learnerId) : undefined;
    if (shown !== undefined) learner.joinShownOnGridMs = shown - learner.joinStartedAt!;
  }
  for (const learner of passed) {
    const shown = passShownAt.get(learner.learnerId!);
    if (shown !== undefined) learner.gridLagMs = shown - learner.passedAt!;
  }
  const lastSandboxes = await sandboxMemory.sample();

  // What the server recorded: each pass counted in the classroom's grades.
  const grades = await fetch(`${base}/api/classrooms/${room.id}/grades.json`, { headers: { authorization: `Bearer ${room.instructorToken}` } });
  const gradesBody = grades.ok ? ((await grades.json()) as { learners: { name: string; exercises: { lesson: string; step: string; achievedAt: string | null }[] }[] }) : undefined;
  const recordedPasses = gradesBody?.learners.filter((row) => row.exercises.some((exercise) => exercise.lesson === lessonId && exercise.step === stepId && exercise.achievedAt)).length;

  // One too many: the room is full.
  const over = await server.client.requestJson('POST', `/api/classrooms/${room.code}/join`, undefined, { name: 'One too many' }, 60_000);

  instructor.close();
  for (const stream of learnerStreams) stream.close();
  await Promise.all(results.map((learner) => (learner as { terminal?: { close(): Promise<void> } }).terminal?.close()));

  const failed = results.filter((learner) => !learner.passed);
  const failuresByStage: Record<string, number> = {};
  for (const learner of failed) failuresByStage[learner.stage ?? 'unknown'] = (failuresByStage[learner.stage ?? 'unknown'] ?? 0) + 1;
  const host = hostMemory.stop();
  const sandboxes = sandboxMemory.stop();
  const interruptedLearners = results.filter((learner) => learner.interruptions?.length);
  const notable = serverLog.filter(({ line }) => /fail|error|stopped|restart|refus|full|lost|expired/i.test(line));
  const figures = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      memoryMb: Math.round(os.totalmem() / 1024 / 1024),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg().map((value) => round(value, 2)),
      otherDrydockSandboxesRunningAtStart: otherSandboxes,
    },
    settings: { learners: LEARNERS, arrivalsPerSecond: PER_SECOND, warmPool: WARM, maxSessions: LEARNERS, learnerDeadlineS: LEARNER_DEADLINE_MS / 1000, minFreeMb: MIN_FREE_MB },
    lesson: lessonId,
    step: stepId,
    solution: commands,
    passed: passed.length,
    failed: failed.length,
    failuresByStage,
    failures: failed.map((learner) => ({ learner: learner.name, stage: learner.stage, reason: learner.error })),
    sandboxRestartsSurvived: interruptedLearners.map((learner) => ({ learner: learner.name, reasons: learner.interruptions })),
    sessionsInterruptedByServer: interruptedSessions,
    wallSeconds: round(wallS, 1),
    joinMs: summarize(results.map((learner) => learner.joinMs!).filter(Number.isFinite)),
    learnerEventsHelloMs: summarize(results.map((learner) => learner.helloMs!).filter(Number.isFinite)),
    sessionReadyMs: summarize(results.map((learner) => learner.readyMs!).filter(Number.isFinite)),
    firstPromptMs: summarize(results.map((learner) => learner.promptMs!).filter(Number.isFinite)),
    solutionTypedMs: summarize(results.map((learner) => learner.solutionMs!).filter(Number.isFinite)),
    checkMs: summarize(results.flatMap((learner) => learner.checkMs)),
    checksPerLearner: summarize(results.filter((learner) => learner.checkMs.length).map((learner) => learner.checkMs.length)),
    joinShownOnGridMs: summarize(results.map((learner) => learner.joinShownOnGridMs!).filter(Number.isFinite)),
    passShownOnGridMs: summarize(passed.map((learner) => learner.gridLagMs!).filter(Number.isFinite)),
    passesNeverShownOnGrid: passed.filter((learner) => learner.gridLagMs === undefined).map((learner) => learner.name),
    passesRecordedInGrades: recordedPasses ?? null,
    instructorGrid: {
      updates: grid.updates,
      largestUpdateBytes: grid.largestBytes,
      bytesTotal: instructor.bytes,
      learnersOnLastUpdate: grid.lastLearnerCount,
      streamEndedEarly: instructor.endedEarly ?? null,
    },
    memory: {
      ...host,
      serverRssNote: 'the server runs in the benchmark process: this RSS includes the simulated learners’ clients',
      ...sandboxes,
      sandboxesAtEnd: lastSandboxes.count,
      sandboxesTotalAtEndMb: Math.round(lastSandboxes.totalMb),
    },
    overCapacityJoin: { status: over.status, message: over.json?.error ?? over.text.slice(0, 200) },
    serverLog: { lines: serverLog.length, notable: notable.slice(0, 100) },
    perLearner: results.map((learner) => ({
      name: learner.name,
      passed: learner.passed,
      joinMs: round(learner.joinMs ?? NaN),
      readyMs: round(learner.readyMs ?? NaN),
      promptMs: round(learner.promptMs ?? NaN),
      checks: learner.checkMs.map((ms) => round(ms)),
      gridLagMs: round(learner.gridLagMs ?? NaN),
      ...(learner.error ? { stage: learner.stage, error: learner.error } : {}),
    })),
  };
  report(figures);
  fs.writeFileSync(RESULTS, JSON.stringify(figures, null, 2) + '\n');
  print(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`);
}

function report(figures: any) {
  const cell = (value: number) => (Number.isFinite(value) ? String(value) : '–').padStart(11);
  const row = (label: string, s: ReturnType<typeof summarize>) => print(`${label.padEnd(44)}${String(s.n).padStart(4)}${cell(s.p50)}${cell(s.p95)}${cell(s.max)}`);
  const line = (label: string, value: string) => print(`${label.padEnd(44)}${value}`);
  print(`\n${'latency (ms)'.padEnd(44)}${'n'.padStart(4)}${'p50'.padStart(11)}${'p95'.padStart(11)}${'max'.padStart(11)}`);
  row('join (POST /api/classrooms/:code/join)', figures.joinMs);
  row('session ready (create → state ready)', figures.sessionReadyMs);
  row('first terminal prompt (from create)', figures.firstPromptMs);
  row('solution typed until its last command ended', figures.solutionTypedMs);
  row('check request (every Check pressed)', figures.checkMs);
  row('join shown on the instructor grid', figures.joinShownOnGridMs);
  row('pass shown on the instructor grid', figures.passShownOnGridMs);
  print();
  line('learners who passed the step', `${figures.passed} of ${figures.settings.learners} in ${figures.wallSeconds} s (server grades record ${figures.passesRecordedInGrades ?? '?'})`);
  if (figures.passesNeverShownOnGrid.length) line('passes never shown on the grid', figures.passesNeverShownOnGrid.join(', '));
  line('instructor grid updates received', `${figures.instructorGrid.updates} (largest ${Math.round(figures.instructorGrid.largestUpdateBytes / 1024)} KiB, ${Math.round(figures.instructorGrid.bytesTotal / 1024)} KiB in all)`);
  const m = figures.memory;
  line('host MemAvailable', `${m.hostAvailableAtStartMb} MiB at start → lowest ${m.hostAvailableLowestMb} MiB (the run used ${m.hostUsedByRunMb} MiB)`);
  line('server process RSS (+ the bench clients)', `${m.serverRssStartMb} MiB at start → peak ${m.serverRssPeakMb} MiB`);
  line('sandboxes together, peak', `${m.sandboxesTotalPeakMb} MiB over ${m.sandboxesRunningPeak} sandboxes (warm pool included; ${m.method})`);
  line('one sandbox, peak (mean / max)', `${m.perSandboxPeakMeanMb} / ${m.perSandboxPeakMaxMb} MiB`);
  line(`join number ${figures.settings.learners + 1}`, `${figures.overCapacityJoin.status}: ${figures.overCapacityJoin.message}`);
  line('machine', `${figures.machine.cpus} CPUs, load ${figures.machine.loadAverageAtStart[0]} → ${figures.machine.loadAverageAtEnd[0]}, ${figures.machine.otherDrydockSandboxesRunningAtStart} other Drydock sandboxes running at start`);
  if (figures.sandboxRestartsSurvived.length) {
    print(`\nSandboxes that restarted under a learner (solution typed again): ${figures.sandboxRestartsSurvived.length}`);
    for (const entry of figures.sandboxRestartsSurvived) print(`  ${entry.learner}: ${entry.reasons.join('; ').slice(0, 160)}`);
  }
  if (figures.failed) {
    print(`\nWhat this machine could not hold: ${figures.failed} of ${figures.settings.learners} (${Object.entries(figures.failuresByStage).map(([stage, n]) => `${n} at ${stage}`).join(', ')})`);
    for (const failure of figures.failures) print(`  ${failure.learner} [${failure.stage}]: ${String(failure.reason).slice(0, 300)}`);
  }
  if (figures.serverLog.notable.length) {
    print(`\nServer log, notable lines (${figures.serverLog.notable.length} of ${figures.serverLog.lines}):`);
    for (const { atS, line: text } of figures.serverLog.notable.slice(0, 20)) print(`  +${atS}s ${text.slice(0, 160)}`);
  }
}

await main();
