// What live checks cost while learners work: every learner has a step open that is not
// done yet and completes a command in their terminal every few seconds. The same stretch
// runs with live checks off and then on; the server's CPU, the whole host's CPU (the
// engine runs the checks' commands) and the evaluations made are compared.
import fs from 'node:fs';
import os from 'node:os';
import type { TestServer } from '../test/support/testServer.js';
import type { TerminalClient } from '../test/support/drydockClient.js';
import { round } from './stats.js';

export interface WorkingLearner {
  sessionId: string;
  sessionToken: string;
  terminal: TerminalClient;
}

export interface ActivityFigures {
  live: boolean;
  learners: number;
  seconds: number;
  commands: number;
  evaluations: number;
  /** The server process, in % of one core. */
  serverCpuPct: number;
  /** The whole host (engine, sandboxes, server), in % of one core. */
  hostCpuPct: number;
}

/** Busy and total jiffies of the whole host, from /proc/stat. */
function hostTicks(): { busy: number; total: number } {
  const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const numbers = fields.map(Number);
  const total = numbers.reduce((sum, value) => sum + value, 0);
  const idle = numbers[3] + (numbers[4] ?? 0);
  return { busy: total - idle, total };
}

export async function measureActivity(
  server: TestServer,
  learners: WorkingLearner[],
  step: { lesson: string; step: string },
  options: { live: boolean; seconds: number; commandEveryMs: number },
): Promise<ActivityFigures> {
  server.app.live.enabled = options.live;
  // Opening the step again makes the server follow it (or not, with live checks off).
  await Promise.all(learners.map((learner) => server.client.request('POST', `/api/sessions/${learner.sessionId}/steps`, learner.sessionToken, step)));
  const evaluationsBefore = server.app.live.stats.evaluations;
  const cpuBefore = process.cpuUsage();
  const hostBefore = hostTicks();
  const started = performance.now();
  const until = Date.now() + options.seconds * 1000;
  let commands = 0;
  await Promise.all(
    learners.map(async (learner, index) => {
      // Spread out, as people in a room are.
      await new Promise((resolve) => setTimeout(resolve, (index / learners.length) * options.commandEveryMs));
      while (Date.now() < until) {
        await learner.terminal.run('docker ps > /dev/null', 30_000).catch(() => undefined);
        commands += 1;
        await new Promise((resolve) => setTimeout(resolve, options.commandEveryMs));
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const hostAfter = hostTicks();
  const hostShare = (hostAfter.busy - hostBefore.busy) / Math.max(1, hostAfter.total - hostBefore.total);
  return {
    live: options.live,
    learners: learners.length,
    seconds: round(elapsedMs / 1000, 1),
    commands,
    evaluations: server.app.live.stats.evaluations - evaluationsBefore,
    serverCpuPct: round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 100, 1),
    hostCpuPct: round(hostShare * os.cpus().length * 100, 1),
  };
}
