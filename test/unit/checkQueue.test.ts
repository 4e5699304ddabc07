// The check queue: never more than its concurrency at once, the rest in arrival order.
import { describe, expect, it } from 'vitest';
import { CheckQueue } from '../../sandbox-server/src/checks/checkQueue.js';

describe('CheckQueue', () => {
  it('runs at most N at once and starts the waiting in order', async () => {
    const queue = new CheckQueue(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const jobs = Array.from({ length: 6 }, (_, i) =>
      queue.run(async () => {
        started.push(i);
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running -= 1;
        if (i === 3) throw new Error('a failing check frees its place too');
        return i;
      }),
    );
    const results = await Promise.allSettled(jobs);
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(1);
    expect(queue.queued).toBe(0);
  });
});
