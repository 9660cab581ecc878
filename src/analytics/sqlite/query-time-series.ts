import type { Database } from 'better-sqlite3';
import { analyticsLimits } from '../analytics-limits.js';
import type {
  MeasureValue,
  PeriodBounds,
  TimeSeriesParams,
  TimeSeriesPoint,
  TimeSeriesResult,
  UsageMeasure,
} from '../analytics-types.js';
import { timeSeriesDimensions, timeSeriesIntervals, usageMeasures } from '../analytics-types.js';
import { parseCivilDate } from '../civil-date.js';
import { parseInteger, parseOneOf } from '../parse-query-options.js';
import { findPeriodBounds } from '../period-bounds.js';
import { parseTimeZone } from '../time-zone.js';
import { readRollupSums } from './read-rollup-sums.js';
import { convertToMeasureValue, dimensionColumns, measureColumns } from './rollup-columns.js';

/**
 * A measure per day or ISO week over `count` periods ending with the one holding `date`, stacked by a
 * dimension: the dashboard's stacked area of tokens by origin over weeks. Each period is read as grouped
 * range sums of the rollups, with zoned period bounds (a DST week is 167 or 169 hours).
 *
 * @throws AnalyticsQueryError for an unknown zone, a malformed date or a count out of 1–366.
 */
export function queryTimeSeries<M extends UsageMeasure>(
  database: Database,
  params: TimeSeriesParams<M>,
): TimeSeriesResult<MeasureValue<M>> {
  const interval = parseOneOf(params.interval, timeSeriesIntervals, 'interval');
  const stackBy = parseOneOf(params.stackBy, timeSeriesDimensions, 'stackBy');
  const measure = parseOneOf<UsageMeasure>(params.measure, usageMeasures, 'measure') as M;
  const zone = parseTimeZone(params.timeZone);
  const epochDay = parseCivilDate(params.date, 'date');
  const count = parseInteger(
    params.count,
    { min: 1, max: analyticsLimits.timeSeriesPeriodCountMax, default: 1 },
    'count',
  );
  const periods: PeriodBounds[] = [];
  for (let offset = 1 - count; offset <= 0; offset += 1) {
    periods.push(findPeriodBounds(zone, interval, epochDay, offset));
  }

  const valuesByPeriod = periods.map((period) => {
    const sums = readRollupSums(database, {
      ...period,
      groupColumn: dimensionColumns[stackBy],
      sumColumns: [measureColumns[measure]],
      orgId: params.orgId,
    });
    return new Map([...sums].map(([key, values]) => [key, values[0] ?? 0n]));
  });
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
