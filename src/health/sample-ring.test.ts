import { describe, expect, it } from 'vitest';
import { createSampleRing } from './sample-ring.js';

const halfHourMs = 30 * 60_000;

describe('createSampleRing', () => {
  it('keeps only the most recent `capacity` samples (1e5 in, 256 kept)', () => {
    const ring = createSampleRing({ capacity: 256, maxAgeMs: halfHourMs });
    for (let value = 1; value <= 100_000; value += 1) ring.add(1_000, value);
    expect(ring.size).toBe(256);
    // The kept samples are 99_745..100_000: ranks 128, 192, 231 and 254.
    expect(ring.percentiles(1_000)).toEqual({ p50: 99_872, p75: 99_936, p90: 99_975, p99: 99_998 });
  });

  it('sorts samples that arrive out of order', () => {
    const ring = createSampleRing({ capacity: 8, maxAgeMs: halfHourMs });
    for (const value of [30, 10, 20]) ring.add(0, value);
    expect(ring.percentiles(0)).toEqual({ p50: 20, p75: 30, p90: 30, p99: 30 });
  });

  it('ignores samples once they are maxAgeMs old, even after a cached read', () => {
    const ring = createSampleRing({ capacity: 8, maxAgeMs: halfHourMs });
    ring.add(0, 500);
    expect(ring.percentiles(1_000)).toEqual({ p50: 500, p75: 500, p90: 500, p99: 500 });
    ring.add(60_000, 100);
    expect(ring.percentiles(halfHourMs - 1)).toEqual({ p50: 100, p75: 500, p90: 500, p99: 500 });
    expect(ring.percentiles(halfHourMs)).toEqual({ p50: 100, p75: 100, p90: 100, p99: 100 });
    expect(ring.percentiles(halfHourMs + 60_000)).toBeUndefined();
    expect(ring.size).toBe(2);
  });

  it('answers for the asked time when it goes backwards, and sees new samples at once', () => {
    const ring = createSampleRing({ capacity: 8, maxAgeMs: halfHourMs });
    ring.add(0, 7);
    expect(ring.percentiles(halfHourMs)).toBeUndefined();
    expect(ring.percentiles(10)).toEqual({ p50: 7, p75: 7, p90: 7, p99: 7 });
    ring.add(20, 9);
    expect(ring.percentiles(20)).toEqual({ p50: 7, p75: 9, p90: 9, p99: 9 });
  });

  it('is undefined before any sample', () => {
    expect(createSampleRing({ capacity: 4, maxAgeMs: 1 }).percentiles(0)).toBeUndefined();
  });
});
