// `npm run lessons:verify [-- --lesson ID …] [--parallel N] [--scenarios DIR …]`: proves
// every lesson in fresh real sandboxes, and the KillerCoda scenarios in DIR. For each
// step: open it (its files appear, its set-up starts, its foreground is typed), assert
// that every check fails, type the solution into the terminal as a learner would, and
// assert that every check passes. An imported step that ships no solution is only shown
// to fail, and the steps after it are not proven (they build on it). One line per
// lesson, then "N passed, M failed".
import path from 'node:path';
import { removeSandboxesOfDeadProcesses } from '../test/support/deadInstances.js';
import { loadConfig } from '../sandbox-server/src/config.js';
import { setUpHost } from '../sandbox-server/src/setup/setupHost.js';
import { startServer, type RunningServer } from '../sandbox-server/src/server.js';
import { writeFiles } from '../sandbox-server/src/lessons/stepFiles.js';
import { LessonError, type Lesson, type Step } from '../sandbox-server/src/lessons/lessonTypes.js';
import { DrydockClient, type TerminalClient } from '../test/support/drydockClient.js';

const SOLUTION_TIMEOUT_MS = Number(process.env.DRYDOCK_SOLUTION_TIMEOUT_S ?? 240) * 1000;
const CHECKS_SETTLE_MS = 60_000;

function parseArgs(argv: string[]) {
  const lessons: string[] = [];
  const scenarios: string[] = [];
  let parallel = 3;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--lesson') lessons.push(argv[++i]);
    else if (argv[i] === '--parallel') parallel = Math.max(1, Number(argv[++i]) || 1);
    else if (argv[i] === '--scenarios') scenarios.push(path.resolve(argv[++i]));
    else throw new Error(`unknown argument ${argv[i]} (use --lesson ID, --parallel N, --scenarios DIR)`);
  }
  return { lessons: lessons.length ? lessons : undefined, parallel, scenarios };
}

interface StepChecks {
  passed: boolean;
  results: { id: string; passed: boolean; message: string }[];
}

class LessonVerifier {
  constructor(
    private readonly server: RunningServer,
    private readonly client: DrydockClient,
  ) {}

  /** Steps left unproven because an imported step before them ships no solution. */
  readonly unproven = new Map<string, string>();

  async verify(lesson: Lesson): Promise<string[]> {
    const session = await this.client.createSession();
    const failures: string[] = [];
    let terminal: TerminalClient | undefined;
    try {
      await this.client.waitReady(session.id, session.token, 120_000);
      terminal = await this.client.openTerminal(session.id, session.token);
      await terminal.waitFor('drydock', 30_000);
      for (const step of lesson.steps) {
        const problems = await this.verifyStep(lesson, step, session, terminal);
        failures.push(...problems.map((problem) => `step ${step.index + 1} (${step.id}): ${problem}`));
        if (problems.length) break; // later steps build on this one
        if (step.checks.length && !step.solution) {
          this.unproven.set(lesson.id, `from step ${step.index + 1} on, not proven: the scenario ships no solution for step ${step.index + 1}`);
          break;
        }
      }
    } finally {
      await terminal?.close();
      await this.client.deleteSession(session.id, session.token).catch(() => undefined);
    }
    return failures;
  }

  private async verifyStep(lesson: Lesson, step: Step, session: { id: string; token: string }, terminal: TerminalClient): Promise<string[]> {
    const opened = await this.client.request('POST', `/api/sessions/${session.id}/steps`, session.token, { lesson: lesson.id, step: step.id });
    if (opened.status !== 200) return [`opening the step answered ${opened.status}: ${await opened.text()}`];
    const { foreground } = (await opened.json()) as { foreground?: string };
    if (foreground) {
      try {
        await terminal.run(foreground.trim(), SOLUTION_TIMEOUT_MS);
      } catch (error) {
        return [`the foreground script did not finish: ${(error as Error).message.slice(0, 400)}`];
      }
    }
    if (!step.checks.length) return [];
    const before = await this.checks(lesson, step, session);
    const premature = before.results.filter((result) => result.passed);
    if (premature.length) return premature.map((result) => `check ${result.id} passes before the step is done (${result.message}): it cannot fail`);
    if (!step.solution) return lesson.imported ? [] : ['the step has checks but no solution'];

    const sandbox = this.server.app.sessions.get(session.id)!.sandbox!;
    await writeFiles(this.server.app.backend, sandbox, step.solution.files, true);
    if (step.solution.commands.trim()) {
      try {
        await terminal.run(step.solution.commands.trim(), SOLUTION_TIMEOUT_MS);
      } catch (error) {
        return [`the solution did not finish: ${(error as Error).message.slice(0, 400)}`];
      }
    }
    // Services may need a moment (health checks, start-up): poll until all pass.
    const deadline = Date.now() + CHECKS_SETTLE_MS;
    let after = await this.checks(lesson, step, session);
    while (!after.passed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      after = await this.checks(lesson, step, session);
    }
    return after.results.filter((result) => !result.passed).map((result) => `check ${result.id} fails after the solution: ${result.message}`);
  }

  private async checks(lesson: Lesson, step: Step, session: { id: string; token: string }): Promise<StepChecks> {
    const response = await this.client.request('POST', `/api/sessions/${session.id}/checks`, session.token, { lesson: lesson.id, step: step.id });
    if (response.status !== 200) throw new Error(`checks answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as StepChecks;
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const base = loadConfig();
  const config = { ...base, scenarioDirs: [...base.scenarioDirs, ...args.scenarios], port: 0, host: '127.0.0.1', instance: `verify-${process.pid}`, warmPoolSize: 0, maxSessions: args.parallel + 2 };
  const engine = await setUpHost(config);
  await removeSandboxesOfDeadProcesses(engine.docker, config.dataDir);
  let server: RunningServer;
  try {
    server = await startServer(config, engine, args.lessons);
  } catch (error) {
    if (!(error instanceof LessonError)) throw error;
    console.log(`✗ the lessons do not load:\n${error.message.replace(/^/gm, '    ')}`);
    console.log(`\n0 passed, ${error.problems.length} failed`);
    return 1;
  }
  const client = new DrydockClient(server.url);
  const verifier = new LessonVerifier(server, client);
  const lessons = [...server.app.lessons.lessons];
  console.log(`\nVerifying ${lessons.length} lesson(s), ${args.parallel} at a time, each in a fresh sandbox\n`);
  let passed = 0;
  let failed = 0;
  const queue = [...lessons];
  const worker = async () => {
    for (let lesson = queue.shift(); lesson; lesson = queue.shift()) {
      const started = Date.now();
      const failures = await verifier.verify(lesson).catch((error: Error) => [`the harness failed: ${error.message}`]);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const checks = lesson.steps.reduce((sum, step) => sum + step.checks.length, 0);
      if (failures.length === 0) {
        passed += 1;
        const unproven = verifier.unproven.get(lesson.id);
        console.log(`✓ ${lesson.id}  ${lesson.steps.length} steps, ${checks} checks  ${seconds} s${unproven ? ` (${unproven})` : ''}`);
      } else {
        failed += 1;
        console.log(`✗ ${lesson.id}  ${seconds} s\n${failures.map((failure) => `    ${failure}`).join('\n')}`);
      }
    }
  };
  await Promise.all(Array.from({ length: args.parallel }, worker));
  await server.close();
  console.log(`\n${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exit(await main());
