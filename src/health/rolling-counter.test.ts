import { describe, expect, it } from 'vitest';
import { createRollingCounter } from './rolling-counter.js';

describe('createRollingCounter', () => {
  it('counts an outcome until its bucket is bucketCount buckets old, then drops it exactly', () => {
    const counter = createRollingCounter({ bucketMs: 1_000, bucketCount: 60 });
    counter.add(0, false);
    counter.add(999, true);
    expect(counter.totals(0)).toEqual({ successes: 1, failures: 1 });
    expect(counter.totals(59_999)).toEqual({ successes: 1, failures: 1 });
    expect(counter.totals(60_000)).toEqual({ successes: 0, failures: 0 });
  });

  it('sums every bucket of the window, nothing newer than now, and only the newest bucketCount buckets', () => {
    const counter = createRollingCounter({ bucketMs: 10_000, bucketCount: 3 });
    counter.add(5_000, true);
    counter.add(15_000, false);
    counter.add(25_000, true);
    counter.add(25_001, true);
    expect(counter.totals(25_000)).toEqual({ successes: 3, failures: 1 });
    expect(counter.totals(9_999)).toEqual({ successes: 1, failures: 0 });
    counter.add(35_000, false);
    expect(counter.totals(39_999)).toEqual({ successes: 2, failures: 2 });
    expect(counter.totals(45_000)).toEqual({ successes: 2, failures: 1 });
  });

  it('reuses a slot for a newer bucket, starting it from zero', () => {
    const counter = createRollingCounter({ bucketMs: 1_000, bucketCount: 4 });
    counter.add(0, false);
    counter.add(4_000, true);
    expect(counter.totals(4_000)).toEqual({ successes: 1, failures: 0 });
  });

  it('drops a late outcome older than the bucket its slot already holds', () => {
    const counter = createRollingCounter({ bucketMs: 1_000, bucketCount: 4 });
    counter.add(4_000, true);
    counter.add(0, false);
    expect(counter.totals(4_000)).toEqual({ successes: 1, failures: 0 });
    counter.add(3_500, false);
    expect(counter.totals(4_000)).toEqual({ successes: 1, failures: 1 });
  });

  it('handles times before the epoch', () => {
    const counter = createRollingCounter({ bucketMs: 1_000, bucketCount: 4 });
    counter.add(-1, false);
    counter.add(-2_500, true);
    expect(counter.totals(0)).toEqual({ successes: 1, failures: 1 });
  });

  it('forgets everything on reset', () => {
    const counter = createRollingCounter({ bucketMs: 1_000, bucketCount: 4 });
    counter.add(1_000, false);
    counter.add(2_000, true);
    counter.reset();
    expect(counter.totals(2_000)).toEqual({ successes: 0, failures: 0 });
    counter.add(2_000, true);
    expect(counter.totals(2_000)).toEqual({ successes: 1, failures: 0 });
  });
});
