// One simulated learner, doing what a person in a workshop does through the public API:
// start a sandbox, wait for it, open the terminal, type a step's solution, press Check
// until it passes. Every latency is recorded; a failure is kept with its reason.
import { DrydockClient, TerminalClient } from '../test/support/drydockClient.js';

export interface LearnerResult {
  name: string;
  sessionId?: string;
  sessionToken?: string;
  joinMs?: number;
  readyMs?: number;
  promptMs?: number;
  checkMs: number[];
  passed: boolean;
  /** performance.now() when the passing check answered. */
  passedAt?: number;
  error?: string;
}

export interface StepToDo {
  lesson: string;
  step: string;
  commands: string;
}

export async function runLearner(baseUrl: string, name: string, learnerToken: string | undefined, task: StepToDo, deadlineMs = 240_000): Promise<LearnerResult & { terminal?: TerminalClient }> {
  const client = new DrydockClient(baseUrl);
  const result: LearnerResult & { terminal?: TerminalClient } = { name, checkMs: [], passed: false };
  const deadline = Date.now() + deadlineMs;
  try {
    const started = performance.now();
    const created = await fetch(`${baseUrl}/api/sessions`, { method: 'POST', headers: learnerToken ? { authorization: `Bearer ${learnerToken}` } : {} });
    if (created.status !== 201) throw new Error(`POST /api/sessions answered ${created.status}: ${(await created.text()).slice(0, 200)}`);
    const session = (await created.json()) as { id: string; token: string };
    result.sessionId = session.id;
    result.sessionToken = session.token;
    const terminal = await client.openTerminal(session.id, session.token);
    result.terminal = terminal;
    await terminal.waitFor('drydock', Math.max(1000, deadline - Date.now()));
    result.promptMs = performance.now() - started;
    await client.waitReady(session.id, session.token, Math.max(1000, deadline - Date.now()));
    result.readyMs = performance.now() - started;
    const opened = await client.request('POST', `/api/sessions/${session.id}/steps`, session.token, { lesson: task.lesson, step: task.step });
    if (opened.status !== 200) throw new Error(`opening the step answered ${opened.status}`);
    await terminal.run(task.commands, Math.max(1000, deadline - Date.now()));
    while (Date.now() < deadline) {
      const before = performance.now();
      const answer = await client.request('POST', `/api/sessions/${session.id}/checks`, session.token, { lesson: task.lesson, step: task.step });
      result.checkMs.push(performance.now() - before);
      if (answer.status !== 200) throw new Error(`checks answered ${answer.status}: ${(await answer.text()).slice(0, 200)}`);
      const body = (await answer.json()) as { passed: boolean; results: { id: string; passed: boolean; message: string }[] };
      if (body.passed) {
        result.passed = true;
        result.passedAt = performance.now();
        break;
      }
      if (result.checkMs.length >= 5) throw new Error(`the step still fails: ${body.results.filter((r) => !r.passed).map((r) => r.message).join('; ').slice(0, 200)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    if (!result.passed && !result.error) result.error = 'ran out of time';
  } catch (error) {
    result.error = (error as Error).message;
  }
  return result;
}
