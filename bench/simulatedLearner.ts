// One simulated learner, doing what a person in a workshop does through the public API:
// start a sandbox, wait for it, open the terminal, type a step's solution, press Check
// until it passes (or, with live checks, wait for the server to say it passed). Every latency is recorded; a failure is kept with its reason and the
// stage it happened at. A sandbox that restarts under the learner (its terminal is
// closed with "sandbox restarting") is waited for and the solution typed again, as a
// person would; the interruption is recorded.
import type WebSocket from 'ws';
import { DrydockClient, TerminalClient } from '../test/support/drydockClient.js';
import type { EventStreamClient } from '../test/support/eventStreamClient.js';

export type LearnerStage = 'join' | 'session' | 'prompt' | 'ready' | 'step' | 'solution' | 'check';

export interface LearnerResult {
  name: string;
  learnerId?: string;
  sessionId?: string;
  sessionToken?: string;
  joinMs?: number;
  /** POST /api/sessions until the session's state is "ready". */
  readyMs?: number;
  /** POST /api/sessions until the terminal shows the prompt. */
  promptMs?: number;
  /** Typing the solution until its last command finished. */
  solutionMs?: number;
  checkMs: number[];
  /** Live checks: from the solution's last command finishing to the "passed" event. */
  liveMs?: number;
  passed: boolean;
  /** performance.now() when the passing check answered. */
  passedAt?: number;
  /** The sandbox restarted under the learner (reasons), each survived by retyping. */
  interruptions?: string[];
  stage?: LearnerStage;
  error?: string;
}

export interface StepToDo {
  lesson: string;
  step: string;
  commands: string;
}

export interface LearnerOptions {
  /** Resolves when the session is ready. Default: ask GET /api/sessions/:id every 100 ms. */
  whenReady?: (sessionId: string) => Promise<unknown>;
  /** Also ask GET /api/sessions/:id every 2 s while working, as the web app does. */
  pollLikeBrowser?: boolean;
  /** Time limit of one check request. */
  checkTimeoutMs?: number;
  /** The learner's event stream: wait there for live checks to pass the step before pressing Check. */
  liveEvents?: EventStreamClient;
}

class Failure extends Error {
  constructor(
    readonly stage: LearnerStage,
    message: string,
  ) {
    super(message);
  }
}

const TERMINAL_RESTARTING = 1012;
/** How long a learner waits for live checks before pressing Check as before. */
const LIVE_WAIT_MS = 30_000;

function remaining(deadline: number): number {
  return Math.round(Math.max(1000, deadline - Date.now()));
}

export async function runLearner(
  baseUrl: string,
  name: string,
  learnerToken: string | undefined,
  task: StepToDo,
  deadlineMs = 240_000,
  options: LearnerOptions = {},
): Promise<LearnerResult & { terminal?: TerminalClient }> {
  const client = new DrydockClient(baseUrl);
  const result: LearnerResult & { terminal?: TerminalClient } = { name, checkMs: [], passed: false };
  const deadline = Date.now() + deadlineMs;
  let browserPoll: NodeJS.Timeout | undefined;
  try {
    const started = performance.now();
    const created = await fetch(`${baseUrl}/api/sessions`, {
      method: 'POST',
      headers: learnerToken ? { authorization: `Bearer ${learnerToken}` } : {},
      signal: AbortSignal.timeout(remaining(deadline)),
    }).catch((error: Error) => {
      throw new Failure('session', `POST /api/sessions: ${error.message}`);
    });
    if (created.status !== 201) throw new Failure('session', `POST /api/sessions answered ${created.status}: ${(await created.text()).slice(0, 200)}`);
    const session = (await created.json()) as { id: string; token: string };
    result.sessionId = session.id;
    result.sessionToken = session.token;
    if (options.pollLikeBrowser) browserPoll = setInterval(() => void client.session(session.id, session.token).catch(() => undefined), 2000);

    const waitReady = () => (options.whenReady ? options.whenReady(session.id) : client.waitReady(session.id, session.token, remaining(deadline)));
    // The prompt and the inner engine come in either order: time both from the create.
    const ready = (async () => {
      try {
        await waitReady();
      } catch (error) {
        throw new Failure('ready', `the sandbox did not become ready: ${(error as Error).message}`);
      }
      result.readyMs = performance.now() - started;
    })();
    ready.catch(() => undefined);
    const terminal = await client.openTerminal(session.id, session.token).catch((error: Error) => {
      throw new Failure('prompt', `opening the terminal: ${error.message}`);
    });
    result.terminal = terminal;
    void closeOf(terminal.socket);
    await terminal.waitFor('drydock', remaining(deadline)).catch((error: Error) => {
      throw new Failure('prompt', `no prompt: ${error.message.slice(0, 300)}`);
    });
    result.promptMs = performance.now() - started;
    await ready;

    const opened = await client.request('POST', `/api/sessions/${session.id}/steps`, session.token, { lesson: task.lesson, step: task.step });
    if (opened.status !== 200) throw new Failure('step', `opening the step answered ${opened.status}: ${(await opened.text()).slice(0, 200)}`);

    const typingStarted = performance.now();
    for (let attempt = 1; ; attempt++) {
      const terminal = result.terminal;
      let closedWith: number | undefined;
      try {
        // A closed terminal never shows the marker: stop waiting when it closes.
        const running = terminal.run(task.commands, remaining(deadline));
        const closing = closeOf(terminal.socket).then((code) => {
          closedWith = code;
          throw new Error(`the terminal closed (${code}) while the solution ran`);
        });
        running.catch(() => undefined);
        closing.catch(() => undefined);
        await Promise.race([running, closing]);
        break;
      } catch (error) {
        if (closedWith !== TERMINAL_RESTARTING || attempt >= 3 || Date.now() >= deadline) {
          throw new Failure('solution', `${closedWith === TERMINAL_RESTARTING ? 'the sandbox kept restarting; ' : ''}${(error as Error).message.slice(0, 300)}`);
        }
        const said = terminal.controls.map((control) => control.message).filter(Boolean).at(-1);
        (result.interruptions ??= []).push(String(said ?? 'terminal closed: sandbox restarting'));
        // What a person does: wait for the sandbox, reconnect, type the commands again.
        await client.waitReady(session.id, session.token, remaining(deadline)).catch((failure: Error) => {
          throw new Failure('ready', `the sandbox did not come back after a restart: ${failure.message}`);
        });
        result.terminal = await client.openTerminal(session.id, session.token);
        void closeOf(result.terminal.socket);
        await result.terminal.waitFor('drydock', remaining(deadline));
        await client.request('POST', `/api/sessions/${session.id}/steps`, session.token, { lesson: task.lesson, step: task.step });
      }
    }
    result.solutionMs = performance.now() - typingStarted;

    if (options.liveEvents) {
      const typed = performance.now();
      const live = await options.liveEvents
        .waitFor((event) => event.event === 'checks' && event.data.session === session.id && event.data.step === task.step && event.data.passed, LIVE_WAIT_MS)
        .then(() => true, () => false);
      if (live) {
        result.liveMs = performance.now() - typed;
        result.passed = true;
        result.passedAt = performance.now();
        return result;
      }
    }

    let lastFailure = '';
    while (Date.now() < deadline) {
      const before = performance.now();
      const answer = await fetch(`${baseUrl}/api/sessions/${session.id}/checks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ lesson: task.lesson, step: task.step }),
        signal: AbortSignal.timeout(Math.min(options.checkTimeoutMs ?? 60_000, remaining(deadline))),
      }).catch((error: Error) => {
        throw new Failure('check', error.name === 'TimeoutError' ? `a check request got no answer within ${options.checkTimeoutMs ?? 60_000} ms` : `check request: ${error.message}`);
      });
      result.checkMs.push(performance.now() - before);
      if (answer.status !== 200) throw new Failure('check', `checks answered ${answer.status}: ${(await answer.text()).slice(0, 200)}`);
      const body = (await answer.json()) as { passed: boolean; results: { id: string; passed: boolean; message: string }[] };
      if (body.passed) {
        result.passed = true;
        result.passedAt = performance.now();
        break;
      }
      lastFailure = body.results
        .filter((r) => !r.passed)
        .map((r) => `${r.id}: ${r.message}`)
        .join('; ')
        .slice(0, 300);
      if (result.checkMs.length >= 10) throw new Failure('check', `the step still fails after ${result.checkMs.length} checks: ${lastFailure}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    if (!result.passed) throw new Failure('check', `ran out of time pressing Check${lastFailure ? ` (${lastFailure})` : ''}`);
  } catch (error) {
    result.stage = error instanceof Failure ? error.stage : 'session';
    result.error = (error as Error).message;
  } finally {
    clearInterval(browserPoll);
  }
  return result;
}

/** The close code of a terminal socket, whenever it closes (also if it already has). */
const closeCodes = new WeakMap<WebSocket, Promise<number>>();
function closeOf(socket: WebSocket): Promise<number> {
  let closed = closeCodes.get(socket);
  if (!closed) {
    closed = new Promise((resolve) => {
      if (socket.readyState === socket.CLOSED) resolve(-1);
      socket.once('close', (code) => resolve(code));
    });
    closeCodes.set(socket, closed);
  }
  return closed;
}
