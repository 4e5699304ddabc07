// When live checks evaluate: bursts coalesce, one sandbox is never evaluated twice at
// once nor more often than its interval, a failure just after a change is retried once;
// and which engine events count as a change.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveEvaluator } from '../../sandbox-server/src/live/liveEvaluator.js';
import { meaningfulEvent } from '../../sandbox-server/src/engine/sandboxActivity.js';

const TIMING = { debounceMs: 100, minIntervalMs: 1000, settleMs: 500 };

/** An evaluation that takes `ms` and answers `done`, keeping when each started and how many ran at once. */
function recorder(ms: number, done = true) {
  const starts: number[] = [];
  let running = 0;
  let most = 0;
  const evaluate = async () => {
    starts.push(Date.now());
    running += 1;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, ms));
    running -= 1;
    return done;
  };
  return { evaluate, starts, most: () => most };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LiveEvaluator', () => {
  it('turns a burst of signals into one evaluation after the quiet time', async () => {
    const run = recorder(50);
    const evaluator = new LiveEvaluator(run.evaluate, TIMING);
    const begin = Date.now();
    for (let i = 0; i < 10; i += 1) evaluator.signal();
    await vi.advanceTimersByTimeAsync(5000);
    expect(run.starts).toEqual([begin + 100]);
  });

  it('never runs two evaluations at once: a signal during one asks for exactly one more after it', async () => {
    const run = recorder(3000);
    const evaluator = new LiveEvaluator(run.evaluate, TIMING);
    evaluator.signal();
    await vi.advanceTimersByTimeAsync(200); // the first is running now
    for (let i = 0; i < 5; i += 1) {
      evaluator.signal();
      await vi.advanceTimersByTimeAsync(300);
    }
    await vi.advanceTimersByTimeAsync(20_000);
    expect(run.starts).toHaveLength(2);
    expect(run.most()).toBe(1);
    expect(run.starts[1]).toBeGreaterThanOrEqual(run.starts[0] + 3000);
  });

  it('spaces evaluations by the interval however often the sandbox changes', async () => {
    const run = recorder(10);
    const evaluator = new LiveEvaluator(run.evaluate, TIMING);
    for (let i = 0; i < 40; i += 1) {
      evaluator.signal();
      await vi.advanceTimersByTimeAsync(150);
    }
    await vi.advanceTimersByTimeAsync(5000);
    const gaps = run.starts.slice(1).map((start, i) => start - run.starts[i]);
    expect(run.starts.length).toBeGreaterThan(2);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
  });

  it('tries once more a moment after a change when the step is not done yet, then waits for the next change', async () => {
    const run = recorder(10, false);
    const evaluator = new LiveEvaluator(run.evaluate, TIMING);
    evaluator.signal();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(run.starts).toHaveLength(2);
    expect(run.starts[1] - run.starts[0]).toBeGreaterThanOrEqual(1000);
  });

  it('stops for good', async () => {
    const run = recorder(10);
    const evaluator = new LiveEvaluator(run.evaluate, TIMING);
    evaluator.signal();
    evaluator.stop();
    evaluator.signal();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run.starts).toEqual([]);
  });
});

describe('meaningfulEvent', () => {
  const event = (Type: string, Action: string, Attributes: Record<string, string> = {}) => JSON.stringify({ Type, Action, Actor: { Attributes } });

  it('counts what a check can see change', () => {
    expect(meaningfulEvent(event('container', 'start'))).toBe(true);
    expect(meaningfulEvent(event('image', 'tag'))).toBe(true);
    expect(meaningfulEvent(event('volume', 'create'))).toBe(true);
    expect(meaningfulEvent(event('network', 'connect'))).toBe(true);
    expect(meaningfulEvent(event('container', 'health_status: healthy'))).toBe(true);
  });

  it("ignores a health check's execs, terminal resizes, the checks' own probes and what is not an event", () => {
    expect(meaningfulEvent(event('container', 'exec_start: sh -c true'))).toBe(false);
    expect(meaningfulEvent(event('container', 'resize'))).toBe(false);
    expect(meaningfulEvent(event('container', 'create', { 'drydock.check': 'true' }))).toBe(false);
    expect(meaningfulEvent('not json')).toBe(false);
  });
});
