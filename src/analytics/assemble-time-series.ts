import type { MeasureValue, TimeSeriesPoint, TimeSeriesResult, UsageMeasure } from './analytics-types.js';
import { foldUnlistedModels } from './fold-unlisted-models.js';
import type { TimeSeriesQuery } from './parse-time-series-query.js';
import { convertToMeasureValue } from './sqlite/rollup-columns.js';

/**
 * The time series from each period's grouped sums (the measure first), in the order of `query.periods`, whichever
 * driver read them: one point per period and key of {@link findSeriesKeys}, 0 where a key had no usage.
 */
export function assembleTimeSeries<M extends UsageMeasure>(
  query: TimeSeriesQuery<M>,
  sumsByPeriod: readonly ReadonlyMap<string, readonly bigint[]>[],
): TimeSeriesResult<MeasureValue<M>> {
  const { interval, stackBy, measure, zone, periods } = query;
  const valuesByPeriod = sumsByPeriod.map(
    (sums) =>
      new Map([...foldUnlistedModels(sums, query.listedModelIds)].map(([key, values]) => [key, values[0] ?? 0n])),
  );
  const keys = findSeriesKeys(valuesByPeriod);
  const points: TimeSeriesPoint<MeasureValue<M>>[] = [];
  periods.forEach((period, index) => {
    for (const key of keys) {
      const value = valuesByPeriod[index]?.get(key) ?? 0n;
      points.push({ periodStartMs: period.startMs, key, value: convertToMeasureValue(measure, value) });
    }
  });
  return { interval, stackBy, measure, timeZone: zone.name, periods, keys, points };
}

/** Keys with a positive total over all periods, largest total first, ties by key. */
export function findSeriesKeys(valuesByPeriod: readonly ReadonlyMap<string, bigint>[]): string[] {
  const totals = new Map<string, bigint>();
  for (const values of valuesByPeriod) {
    for (const [key, value] of values) totals.set(key, (totals.get(key) ?? 0n) + value);
  }
  return [...totals]
    .filter(([, total]) => total > 0n)
    .sort(([leftKey, left], [rightKey, right]) => {
      if (left !== right) return left > right ? -1 : 1;
      return leftKey < rightKey ? -1 : leftKey > rightKey ? 1 : 0;
    })
    .map(([key]) => key);
}
