// Live checks: while a learner has a practice step open, its checks are evaluated again
// whenever the sandbox changes, and the results are pushed to the learner's pages on
// their event stream (GET /api/me/events, event "checks"). A step that passes is
// recorded as a press of Check would record it, so the next step unlocks by itself.
// Graded lessons and classrooms in graded mode are left to Check: the server decides
// there, once, when the learner asks.
import type { App } from '../app.js';
import type { Session } from '../sessions/sessionManager.js';
import type { Lesson, Step } from '../lessons/lessonTypes.js';
import { runChecks, type StepResult } from '../checks/checkEngine.js';
import { sandboxCheckContext } from '../checks/sandboxCheckContext.js';
import { recordCheckRun } from '../classrooms/checkRecorder.js';
import { LIVE_TIMING, LiveEvaluator } from './liveEvaluator.js';

interface Followed {
  lesson: Lesson;
  step: Step;
  evaluator: LiveEvaluator;
  /** What the learner was last sent, to send only changes. */
  lastSent?: string;
  stopActivity: () => void;
}

export interface LiveCheckStats {
  evaluations: number;
  evaluationMs: number;
}

export class LiveChecks {
  private readonly followed = new Map<string, Followed>();
  readonly stats: LiveCheckStats = { evaluations: 0, evaluationMs: 0 };

  constructor(
    private readonly app: App,
    /** Off: steps are judged only when the learner presses Check (a benchmark compares). */
    public enabled: boolean,
  ) {
    app.sessions.onEnd((session) => this.unfollow(session.id));
  }

  /** The learner opened a step: follow it while it is open and not passed. */
  async follow(session: Session, lesson: Lesson, step: Step): Promise<void> {
    if (!(await this.wanted(session, lesson, step))) return this.unfollow(session.id);
    const current = this.followed.get(session.id);
    if (current?.lesson.id === lesson.id && current.step.id === step.id) return current.evaluator.signal();
    current?.evaluator.stop();
    const followed: Followed = {
      lesson,
      step,
      // A second look after a change only where a check waits for a server to answer:
      // a container's start event comes before the program in it listens.
      evaluator: new LiveEvaluator(() => this.evaluate(session, followed), { ...LIVE_TIMING, settleMs: step.checks.some((check) => check.kind === 'http') ? LIVE_TIMING.settleMs : 0 }),
      // One watch per sandbox, kept from step to step.
      stopActivity: current?.stopActivity ?? this.app.backend.watchActivity(session.sandbox!, () => this.changed(session.id)),
    };
    this.followed.set(session.id, followed);
    followed.evaluator.signal(); // what already holds shows at once
  }

  /** Something the server did itself changed the sandbox (a file saved from the Files tab). */
  changed(sessionId: string): void {
    this.followed.get(sessionId)?.evaluator.signal();
  }

  unfollow(sessionId: string): void {
    const followed = this.followed.get(sessionId);
    if (!followed) return;
    followed.evaluator.stop();
    followed.stopActivity();
    this.followed.delete(sessionId);
  }

  /** The server stops: let go of every sandbox's activity streams. */
  close(): void {
    this.enabled = false;
    for (const sessionId of [...this.followed.keys()]) this.unfollow(sessionId);
  }

  private async wanted(session: Session, lesson: Lesson, step: Step): Promise<boolean> {
    if (!this.enabled || !session.learnerId || !session.sandbox || step.checks.length === 0 || lesson.graded) return false;
    const classroom = (await this.app.classrooms.membership(session.learnerId))?.classroom;
    return !classroom?.graded;
  }

  /** One evaluation; answers whether the step is done (passed: nothing left to watch). */
  private async evaluate(session: Session, followed: Followed): Promise<boolean> {
    const learnerId = session.learnerId!;
    // Nobody looking: nothing to show, and Check still works when they come back.
    if (session.state !== 'ready' || !session.sandbox || !this.app.hub.listening(learnerId)) return false;
    const { lesson, step } = followed;
    const sandbox = session.sandbox;
    const started = performance.now();
    const result = await this.app.checkQueue.run(() => runChecks(step.checks, sandboxCheckContext(this.app.backend, sandbox, this.app.sessions.historySince(session, lesson.id, step.id))));
    this.stats.evaluations += 1;
    this.stats.evaluationMs += performance.now() - started;
    if (this.followed.get(session.id) !== followed) return true; // the learner moved on meanwhile
    // A pass is recorded once; a step passed before (then reset, or reopened) is only shown.
    const already = result.passed && (await this.app.progress.progress(learnerId))[lesson.id]?.passed.includes(step.id);
    const recorded = result.passed && !already ? await recordCheckRun(this.app, learnerId, lesson, step, result, 'live') : undefined;
    this.send(session, followed, result, recorded);
    if (result.passed) followed.evaluator.stop();
    return result.passed;
  }

  private send(session: Session, followed: Followed, result: StepResult, recorded: unknown): void {
    const shown = JSON.stringify(result.results.map(({ passed, message }) => [passed, message]));
    if (shown === followed.lastSent && !result.passed) return;
    followed.lastSent = shown;
    this.app.hub.tellLearner(session.learnerId!, 'checks', { session: session.id, lesson: followed.lesson.id, step: followed.step.id, live: true, ...result, ...(recorded ? { recorded } : {}) });
  }
}
