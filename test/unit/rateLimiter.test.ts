// Token buckets: a burst up to the per-minute rate, then a wait that shrinks as time passes.
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../sandbox-server/src/http/rateLimiter.js';

describe('RateLimiter', () => {
  it('allows a burst of the per-minute rate, then says how long to wait', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    for (let i = 0; i < 3; i += 1) expect(limiter.take('a', 3)).toBeUndefined();
    expect(limiter.take('a', 3)).toBe(20);
    expect(limiter.take('b', 3)).toBeUndefined(); // another client is unaffected
    now += 10_000;
    expect(limiter.take('a', 3)).toBe(10);
    now += 10_000;
    expect(limiter.take('a', 3)).toBeUndefined();
  });
});
