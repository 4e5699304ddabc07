import { describe, expect, it } from 'vitest';
import { percentile, summarize } from '../../bench/stats.js';

describe('benchmark statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 95)).toBe(95);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });

  it('does not depend on sample order', () => {
    expect(summarize([5, 1, 4, 2, 3])).toMatchObject({ p50: 3, min: 1, max: 5, n: 5 });
  });
});
