import type { Percentiles } from './health-types.js';

/**
 * The nearest-rank percentile of an ascending, non-empty list: the smallest value
 * with at least `percent` % of the values at or below it (rank `ceil(percent × n / 100)`).
 * Always one of the samples, never an interpolation.
 */
export function nearestRank(sortedValues: ArrayLike<number>, percent: number): number {
  const rank = Math.max(1, Math.ceil((percent * sortedValues.length) / 100));
  const value = sortedValues[rank - 1];
  if (value === undefined) throw new RangeError(`nearestRank needs a non-empty list (rank ${rank})`);
  return value;
}

/** p50/p75/p90/p99 of an ascending list; undefined when it is empty. */
export function computePercentiles(sortedValues: ArrayLike<number>): Percentiles | undefined {
  if (sortedValues.length === 0) return undefined;
  return {
    p50: nearestRank(sortedValues, 50),
    p75: nearestRank(sortedValues, 75),
    p90: nearestRank(sortedValues, 90),
    p99: nearestRank(sortedValues, 99),
  };
}
