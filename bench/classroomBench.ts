// `npm run bench:classroom`: a workshop on this machine. An instructor opens a classroom
// and watches its live grid; N learners (default 30) arrive a few per second, join with
// the code, get real sandboxes, type a real lesson step's solution into real terminals
// and press Check until it passes. Prints the figures, writes bench/classroom-results.json.
// What the machine could not hold is counted and named, not hidden.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../sandbox-server/src/config.js';
import { loadLessons } from '../sandbox-server/src/lessons/lessonLoader.js';
import { startTestServer } from '../test/support/testServer.js';
import { EventStreamClient } from '../test/support/eventStreamClient.js';
import { MemorySampler } from './memorySampler.js';
import { runLearner, type LearnerResult } from './simulatedLearner.js';
import { round, summarize } from './stats.js';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'classroom-results.json');

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : (process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback);
}

const LEARNERS = Number(option('learners', '30'));
const PER_SECOND = Number(option('per-second', '3'));
const LESSON = option('lesson', 'what-is-a-container');

async function main() {
  const lessonsDir = loadConfig().lessonsDir;
  const [lesson] = await loadLessons(lessonsDir, [LESSON]);
  const step = lesson?.steps.find((candidate) => candidate.checks.length && candidate.solution?.commands.trim() && !candidate.solution.files.length);
  if (!lesson || !step) throw new Error(`lesson ${LESSON} has no step that a terminal alone can solve`);
  console.log(`Drydock classroom benchmark: ${LEARNERS} learners arriving ${PER_SECOND}/s, lesson "${lesson.title}", step "${step.title}"\n`);

  const server = await startTestServer({ lessonsDir, maxSessions: LEARNERS, warmPoolSize: 2 });
  const stopping = async () => {
    await server.close();
    process.exit(130);
  };
  process.once('SIGINT', () => void stopping());
  const memory = new MemorySampler();
  try {
    const created = await fetch(`${server.url}/api/classrooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Benchmark workshop', lessons: [lesson.id], maxLearners: LEARNERS }),
    });
    const room = (await created.json()) as { id: string; code: string; instructorToken: string };
    const grid = await EventStreamClient.open(`${server.url}/api/classrooms/${room.id}/events?token=${room.instructorToken}`);
    const shownPassedAt = new Map<string, number>();
    let gridUpdates = 0;
    const watcher = setInterval(() => {
      gridUpdates += grid.events.length;
      for (const event of grid.events.splice(0)) {
        for (const row of event.data.learners ?? []) {
          if (row.cells[`${lesson.id}/${step.id}`]?.status === 'passed' && !shownPassedAt.has(row.name)) shownPassedAt.set(row.name, performance.now());
        }
      }
    }, 20);

    const started = performance.now();
    const runs = Array.from({ length: LEARNERS }, async (_, index): Promise<LearnerResult> => {
      await new Promise((resolve) => setTimeout(resolve, (index / PER_SECOND) * 1000));
      const name = `Learner ${String(index + 1).padStart(2, '0')}`;
      const joinStarted = performance.now();
      const joined = await fetch(`${server.url}/api/classrooms/${room.code}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      const joinMs = performance.now() - joinStarted;
      if (joined.status !== 201) return { name, joinMs, checkMs: [], passed: false, error: `join answered ${joined.status}: ${(await joined.text()).slice(0, 200)}` };
      const { token } = (await joined.json()) as { token: string };
      const result = await runLearner(server.url, name, token, { lesson: lesson.id, step: step.id, commands: step.solution!.commands.trim() });
      return { ...result, joinMs };
    });
    const results = await Promise.all(runs.map((run) => run.catch((error: Error) => ({ name: '?', checkMs: [], passed: false, error: error.message }) as LearnerResult)));
    const wallS = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 3000)); // the last grid updates
    clearInterval(watcher);

    // Everyone's sandbox is alive now: what do they weigh together?
    let sandboxesMb = 0;
    for (const result of results) {
      const sandbox = result.sessionId ? server.app.sessions.get(result.sessionId)?.sandbox : undefined;
      if (!sandbox) continue;
      const stats = await server.app.engine.getContainer(sandbox.id).stats({ stream: false });
      const inactive = stats.memory_stats.stats?.total_inactive_file ?? stats.memory_stats.stats?.inactive_file ?? 0;
      sandboxesMb += (stats.memory_stats.usage - inactive) / 1024 / 1024;
    }

    const over = await fetch(`${server.url}/api/classrooms/${room.code}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'One too many' }) });
    const overBody = (await over.json()) as { error?: string };
    for (const result of results) (result as { terminal?: { close(): Promise<void> } }).terminal?.close();
    grid.close();

    const passed = results.filter((result) => result.passed);
    const failed = results.filter((result) => !result.passed);
    const gridLagMs = passed.map((result) => (shownPassedAt.get(result.name) ?? NaN) - result.passedAt!).filter((lag) => Number.isFinite(lag));
    const figures = {
      date: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length },
      learners: LEARNERS,
      arrivalsPerSecond: PER_SECOND,
      lesson: lesson.id,
      step: step.id,
      passed: passed.length,
      failed: failed.map((result) => ({ learner: result.name, reason: result.error })),
      wallSeconds: round(wallS, 1),
      joinMs: summarize(results.map((result) => result.joinMs!).filter(Number.isFinite)),
      firstPromptMs: summarize(results.map((result) => result.promptMs!).filter(Number.isFinite)),
      sessionReadyMs: summarize(results.map((result) => result.readyMs!).filter(Number.isFinite)),
      checkMs: summarize(results.flatMap((result) => result.checkMs)),
      passToInstructorGridMs: summarize(gridLagMs),
      instructorGridUpdates: gridUpdates,
      memory: { ...memory.stop(), sandboxesTotalMb: Math.round(sandboxesMb), perSandboxMb: round(sandboxesMb / Math.max(1, passed.length), 1) },
      overCapacityJoin: { status: over.status, message: overBody.error },
    };
    const line = (label: string, value: string) => console.log(`${label.padEnd(42)}${value}`);
    const show = (label: string, s: ReturnType<typeof summarize>) => line(label, `p50 ${s.p50} · p95 ${s.p95} · max ${s.max} ms (n=${s.n})`);
    line('learners who passed the step', `${passed.length} of ${LEARNERS} in ${figures.wallSeconds} s`);
    show('join', figures.joinMs);
    show('first prompt (from POST /api/sessions)', figures.firstPromptMs);
    show('session ready (inner engine answers)', figures.sessionReadyMs);
    show('check request', figures.checkMs);
    show('pass shown on the instructor grid after', figures.passToInstructorGridMs);
    line('host memory used by the run', `${figures.memory.hostUsedByRunMb} MiB (MemAvailable ${figures.memory.hostAvailableAtStartMb} → lowest ${figures.memory.hostAvailableLowestMb} MiB)`);
    line('sandboxes together / per sandbox', `${figures.memory.sandboxesTotalMb} MiB / ${figures.memory.perSandboxMb} MiB`);
    line('server process RSS', `${figures.memory.serverRssStartMb} → peak ${figures.memory.serverRssPeakMb} MiB`);
    line(`join number ${LEARNERS + 1}`, `${over.status}: ${overBody.error}`);
    if (failed.length) {
      console.log(`\nWhat this machine could not hold (${failed.length}):`);
      for (const failure of figures.failed) console.log(`  ${failure.learner}: ${failure.reason}`);
    }
    fs.writeFileSync(RESULTS, JSON.stringify(figures, null, 2) + '\n');
    console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`);
  } finally {
    await server.close();
  }
  process.exit(0);
}

await main();
