import type { Pool } from 'pg';
import { analyticsLimits } from '../../analytics/analytics-limits.js';
import type {
  MeasureValue,
  PeriodBounds,
  TimeSeriesParams,
  TimeSeriesPoint,
  TimeSeriesResult,
  UsageMeasure,
} from '../../analytics/analytics-types.js';
import { timeSeriesDimensions, timeSeriesIntervals, usageMeasures } from '../../analytics/analytics-types.js';
import { parseCivilDate } from '../../analytics/civil-date.js';
import { parseInteger, parseOneOf } from '../../analytics/parse-query-options.js';
import { findPeriodBounds } from '../../analytics/period-bounds.js';
import { findSeriesKeys } from '../../analytics/sqlite/query-time-series.js';
import { convertToMeasureValue, dimensionColumns, measureColumns } from '../../analytics/sqlite/rollup-columns.js';
import { parseTimeZone } from '../../analytics/time-zone.js';
import { readPostgresRollupSums } from './read-postgres-rollup-sums.js';

/**
 * A measure per zoned day or ISO week over `count` periods, stacked by a dimension: SQLite's `queryTimeSeries`
 * with the same parsing, bounds (a DST week is 167 or 169 hours) and key order; every period is read in one
 * statement.
 *
 * @throws AnalyticsQueryError (as a rejection) for an unknown zone, a malformed date or a count out of 1–366.
 */
export async function queryPostgresTimeSeries<M extends UsageMeasure>(
  pool: Pool,
  params: TimeSeriesParams<M>,
): Promise<TimeSeriesResult<MeasureValue<M>>> {
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

  const sumsByPeriod = await readPostgresRollupSums(pool, {
    ranges: periods,
    groupColumn: dimensionColumns[stackBy],
    sumColumns: [measureColumns[measure]],
    orgId: params.orgId,
  });
  const valuesByPeriod = sumsByPeriod.map((sums) => new Map([...sums].map(([key, values]) => [key, values[0] ?? 0n])));
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
