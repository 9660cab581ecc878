import { describe, expect, it } from 'vitest';
import { computePercentiles, nearestRank } from './compute-percentiles.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('computePercentiles (nearest rank)', () => {
  it.each([
    { name: '1..100', values: range(1, 100), expected: { p50: 50, p75: 75, p90: 90, p99: 99 } },
    { name: '1..10', values: range(1, 10), expected: { p50: 5, p75: 8, p90: 9, p99: 10 } },
    { name: 'one sample', values: [42], expected: { p50: 42, p75: 42, p90: 42, p99: 42 } },
    { name: 'two samples', values: [1, 2], expected: { p50: 1, p75: 2, p90: 2, p99: 2 } },
    {
      name: 'ties and a tail',
      values: [100, 100, 100, 100, 5_000],
      expected: { p50: 100, p75: 100, p90: 5_000, p99: 5_000 },
    },
    {
      name: 'fractions',
      values: [0.5, 1.25, 2.75, 40.125],
      expected: { p50: 1.25, p75: 2.75, p90: 40.125, p99: 40.125 },
    },
  ])('$name', ({ values, expected }) => {
    expect(computePercentiles(values)).toEqual(expected);
  });

  it('is undefined without samples', () => {
    expect(computePercentiles([])).toBeUndefined();
  });

  it('takes the first value at percentile 0 and the last at 100', () => {
    expect(nearestRank([3, 7, 9], 0)).toBe(3);
    expect(nearestRank([3, 7, 9], 100)).toBe(9);
  });

  it('refuses an empty list', () => {
    expect(() => nearestRank([], 50)).toThrow(RangeError);
  });
});
