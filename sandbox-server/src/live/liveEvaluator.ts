// When to re-evaluate a step's checks, given signals that the sandbox changed: a burst of
// signals becomes one evaluation (debounce), evaluations of one sandbox are spaced out
// (rate limit), and never more than one runs at a time; a signal during a run asks for
// one more after it. A failing evaluation soon after a change is tried once more a little
// later: a container's start event comes before the server in it answers.

export interface EvaluatorTiming {
  /** Quiet time after the last signal before evaluating. */
  debounceMs: number;
  /** Least time between the starts of two evaluations. */
  minIntervalMs: number;
  /** After a failing evaluation caused by a change, one more try this much later (0: none). */
  settleMs: number;
}

export const LIVE_TIMING: EvaluatorTiming = { debounceMs: 250, minIntervalMs: 1000, settleMs: 2500 };

export class LiveEvaluator {
  private timer?: NodeJS.Timeout;
  private running = false;
  private pending = false;
  private lastStart = -Infinity;
  private settleLeft = 0;
  private stopped = false;

  /** `evaluate` answers whether the step is done (nothing more to watch for then). */
  constructor(
    private readonly evaluate: () => Promise<boolean>,
    private readonly timing: EvaluatorTiming = LIVE_TIMING,
  ) {}

  /** The sandbox changed. */
  signal(): void {
    if (this.stopped) return;
    this.pending = true;
    this.settleLeft = 1;
    if (this.running) return; // the run in flight schedules the next one
    this.schedule(this.timing.debounceMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    const wait = Math.max(delayMs, this.lastStart + this.timing.minIntervalMs - Date.now());
    this.timer = setTimeout(() => void this.run(), wait);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.stopped || this.running) return;
    this.pending = false;
    this.running = true;
    this.lastStart = Date.now();
    let done = false;
    try {
      done = await this.evaluate();
    } catch {
      done = false;
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (this.pending) return this.schedule(this.timing.debounceMs);
    if (!done && this.settleLeft > 0 && this.timing.settleMs > 0) {
      this.settleLeft -= 1;
      this.schedule(this.timing.settleMs);
    }
  }
}
